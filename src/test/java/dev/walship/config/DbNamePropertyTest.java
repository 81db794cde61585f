package dev.walship.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.walship.fuzz.Fuzz;
import dev.walship.fuzz.Mutate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A database name becomes a file and directory name (spool, labels, metrics), so sidecar.yml accepts exactly
 * 1-128 of [A-Za-z0-9._-] other than "." and "..", whether written inline, through ${VAR} or in a name-file; any
 * other name is refused with one short line under dbs[0].name that does not echo it; an accepted name is one
 * path element inside any directory.
 */
class DbNamePropertyTest {
    static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    static final JsonMapper JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
    static final List<String> HOSTILE = List.of("../x", "/abs", "a\u0000b", "x".repeat(10_000), ".", "..", "...",
            "a/b", "a\\b", "café", "ａｐｐ", "app\u202e", "app\n", " app", "app ", "", "~", "%2e%2e", "x".repeat(129),
            "con", "-", "_");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21})
    void hostileNames(int i) throws IOException {
        String name = HOSTILE.get(i);
        assertEquals(verdict(name), check(name, i % 3));
    }

    @Test
    void tenThousandCharactersAreRefusedInOneShortLine() throws IOException {
        String name = "x".repeat(10_000);
        Files.writeString(dir.resolve("sidecar.yml"), "dbs:\n  - path: /data/a.db\n    name: " + name
                + "\n    replicas: [/b]\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("sidecar.yml"),
                Map.of()));
        assertEquals(List.of("dbs[0].name: invalid name (use 1-128 letters, digits, '.', '_' or '-'; names become"
                + " file names)"), e.problems());
    }

    @Test
    void anyNameIsAcceptedExactlyWhenItIsASafeFileName() {
        Map<String, Integer> seen = Fuzz.run(Fuzz.property("db-name", 20240619L, 400, DbNamePropertyTest::name,
                s -> s.getBytes(StandardCharsets.UTF_8), n -> check(n, n.length() % 3)));
        assertTrue(seen.getOrDefault("accepted", 0) > 50 && seen.getOrDefault("refused", 0) > 50, seen.toString());
    }

    static String verdict(String name) {
        return ALLOWED.matcher(name).matches() && !name.equals(".") && !name.equals("..") ? "accepted" : "refused";
    }

    /** Loads a one-db config with the name inline (0), from ${NAME} (1) or from name-file (2). */
    String check(String name, int how) throws IOException {
        String value = switch (how) {
            case 0 -> JSON.writeValueAsString(name);
            case 1 -> "${NAME}";
            default -> {
                Files.write(dir.resolve("name.txt"), name.getBytes(StandardCharsets.UTF_8));
                yield "name.txt";
            }
        };
        Path file = dir.resolve("sidecar.yml");
        Files.writeString(file, "dbs:\n  - path: /data/a.db\n    name" + (how == 2 ? "-file" : "") + ": " + value
                + "\n    replicas: [/b]\n");
        String key = how == 2 ? "dbs[0].name-file" : "dbs[0].name";
        try {
            SidecarConfig c = ConfigLoader.load(file, Map.of("NAME", name));
            // a name-file drops one trailing newline, as echo adds it
            String got = c.dbs().get(0).name();
            assertEquals(how == 2 && name.endsWith("\n") ? name.substring(0, name.length() - 1) : name, got);
            assertEquals("accepted", verdict(got), "accepted an unsafe name");
            Path root = Path.of("/spool");
            assertEquals(root, root.resolve(got).normalize().getParent(), "one element inside the directory");
            return "accepted";
        } catch (ConfigException e) {
            assertEquals(1, e.problems().size(), e.problems().toString());
            String problem = e.problems().get(0);
            assertTrue(problem.startsWith(key + ": "), problem);
            assertTrue(problem.length() < 200 && !problem.contains("\n"), "one short line: " + problem);
            if (name.length() > 3) assertFalse(problem.contains(name), "the name is not echoed: " + problem);
            return "refused";
        }
    }

    /** Names near the rule: allowed characters, dots, separators, unicode, lengths around 128. */
    static String name(Random rnd) {
        String alphabet = "abcXYZ019._-";
        return switch (rnd.nextInt(5)) {
            case 0 -> HOSTILE.get(rnd.nextInt(HOSTILE.size()));
            case 1 -> Mutate.randomText(rnd, 20);
            case 2 -> Mutate.text("app-1.db_x", rnd);
            default -> {
                StringBuilder s = new StringBuilder();
                int len = rnd.nextInt(4) == 0 ? 120 + rnd.nextInt(16) : 1 + rnd.nextInt(12);
                for (int i = 0; i < len; i++) s.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
                yield s.toString();
            }
        };
    }
}
