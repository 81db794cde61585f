package dev.walship.config;

import java.util.List;

/** Thrown when a configuration is invalid; carries every problem found, one {@code key.path: what (how to fix)} line each. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("\n", requireSome(problems)));
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String problem) {
        this(List.of(problem));
    }

    /** The problems in the order they were found; never empty. */
    public List<String> problems() {
        return problems;
    }

    private static List<String> requireSome(List<String> problems) {
        if (problems == null || problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        return problems;
    }
}
