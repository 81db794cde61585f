package dev.walship.config;

import java.util.List;

/** Thrown when a configuration is invalid; carries every problem found, one {@code key.path: what (how to fix)} line each. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("\n", oneLineEach(problems)));
        this.problems = oneLineEach(problems);
    }

    public ConfigException(String problem) {
        this(List.of(problem));
    }

    /** The problems in the order they were found; never empty. */
    public List<String> problems() {
        return problems;
    }

    /**
     * Problems quote the user's input, which may hold line breaks or invisible characters (a YAML key or value
     * in double quotes, a secret file's content): shown raw they would split one problem over several lines, or
     * fake a further one in a log. Such characters are written as escapes instead, so each problem stays one line
     * that says what was typed.
     */
    static String oneLine(String problem) {
        StringBuilder b = new StringBuilder(problem.length());
        problem.codePoints().forEach(c -> {
            int type = Character.getType(c);
            if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }

    private static List<String> oneLineEach(List<String> problems) {
        if (problems == null || problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        return problems.stream().map(ConfigException::oneLine).toList();
    }
}
