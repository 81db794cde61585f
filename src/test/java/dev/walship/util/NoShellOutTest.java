package dev.walship.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Security review, "process": walship never starts another process (so no user input can reach a shell), and the
 * container image runs as a non-root user. Checked on the sources, so a new shell-out fails the build.
 */
class NoShellOutTest {
    private static final Pattern SPAWN = Pattern.compile("ProcessBuilder|Runtime\\.getRuntime\\(\\)\\.exec|\\.exec\\(\\s*new String");

    @Test
    void noMainSourceStartsAProcess() throws IOException {
        List<String> offenders;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            offenders = files.filter(p -> p.toString().endsWith(".java")).filter(p -> {
                try {
                    return SPAWN.matcher(Files.readString(p)).find();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(Path::toString).toList();
        }
        assertEquals(List.of(), offenders);
    }

    @Test
    void theImageRunsAsANonRootUser() throws IOException {
        List<String> users = Files.readAllLines(Path.of("Dockerfile")).stream().map(String::strip)
                .filter(l -> l.startsWith("USER ")).toList();
        assertTrue(!users.isEmpty(), "the Dockerfile sets a USER");
        String last = users.get(users.size() - 1).substring(5).strip();
        assertTrue(!last.equals("root") && !last.startsWith("0") && !last.equals("${WALSHIP_UID}:0"), "final USER is " + last);
    }
}
