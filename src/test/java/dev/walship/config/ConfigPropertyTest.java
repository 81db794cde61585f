package dev.walship.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.walship.fuzz.Fuzz;
import dev.walship.fuzz.Mutate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sidecar.yml built from the real keys with hostile values (wrong types, secrets, secret files that are missing,
 * huge, binary or directories, env references, anchors, tags, deep nesting), then perhaps mangled: loading it
 * gives a config or a ConfigException whose problems are one line each under a key path the file has; no other
 * exception escapes, and no secret (a value under a secret key, from ${SECRET} there, or from any -file) shows up
 * in a problem or in describe(). Complements ExampleAndFuzzTest (character edits of the example).
 */
class ConfigPropertyTest {
    /** Whatever part of it leaks is found: the quote defeats a redaction that only blanks "quoted" text. */
    static final String SECRET = "tok\"en-9f8e7d6c5b4aSECRETMARK";
    static final List<String> LEAKS = List.of("9f8e7d6c5b4a", "SECRETMARK");
    static final YAMLMapper YAML = new YAMLMapper();
    static final JsonMapper JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    @TempDir
    Path dir;
    Map<String, String> env;
    List<String> files;

    @BeforeEach
    void secretsOnDisk() throws IOException {
        env = Map.of("SECRET", SECRET, "EMPTY", "", "DATA", "/srv");
        Files.writeString(dir.resolve("secret.txt"), SECRET + "\n");
        Files.write(dir.resolve("big.bin"), new byte[SecretValues.MAX_BYTES + 1]);
        Files.write(dir.resolve("binary.bin"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        Files.createDirectories(dir.resolve("a-dir"));
        // relative to sidecar.yml, so a saved input replays in any directory
        files = List.of("secret.txt", "./secret.txt", "big.bin", "binary.bin", "a-dir", "missing.txt", "/nonexistent/x",
                "", "a\0b");
    }

    @Test
    void anyDocumentLoadsOrFailsWithOneLinePerProblemAndNoSecret() {
        Fuzz.Property<String> p = property(20240617L, 1000);
        Map<String, Integer> seen = Fuzz.run(p);
        assertTrue(seen.getOrDefault("loaded", 0) > 30 && seen.getOrDefault("problems", 0) > 300
                && seen.getOrDefault("bad-yaml", 0) > 20, seen.toString());
    }

    Fuzz.Property<String> property(long seed, int tries) {
        return Fuzz.property("config", seed, tries, rnd -> {
            String doc = render(document(rnd), 0);
            return rnd.nextInt(4) == 0 ? Mutate.text(doc, rnd) : doc;
        }, s -> s.getBytes(StandardCharsets.UTF_8), this::check);
    }

    String check(String text) throws IOException {
        Path file = dir.resolve("sidecar.yml");
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8); // a lone surrogate becomes '?'
        Files.write(file, bytes);
        String yaml = new String(bytes, StandardCharsets.UTF_8); // what the loader reads
        Set<String> heads = topKeys(yaml);
        try {
            SidecarConfig c = ConfigLoader.load(file, env);
            assertNoSecret(c.describe());
            return "loaded";
        } catch (ConfigException e) {
            assertFalse(e.problems().isEmpty());
            for (String problem : e.problems()) {
                assertNoSecret(problem);
                assertFalse(problem.contains("\n") || problem.contains("\r"), "one line: " + problem);
                assertFalse(problem.contains("line -1"), "a location that is not one: " + problem);
                boolean underAKey = heads.stream().anyMatch(k -> problem.startsWith(k + ": ")
                        || problem.startsWith(k + ".") || problem.startsWith(k + "["));
                assertTrue(problem.startsWith("config " + file + ": ") || underAKey,
                        "names the file or a key path of it: " + problem);
            }
            return heads.isEmpty() || e.problems().get(0).startsWith("config ") ? "bad-yaml" : "problems";
        }
    }

    private static void assertNoSecret(String text) {
        for (String leak : LEAKS) assertFalse(text.contains(leak), "a secret shows: " + text);
    }

    /** The top-level keys as YAML reads them (plus the required ones a problem may name), or none if not a map. */
    private static Set<String> topKeys(String yaml) {
        Set<String> keys = new HashSet<>();
        try {
            JsonNode root = YAML.readTree(yaml);
            if (root != null && root.isObject()) {
                root.fieldNames().forEachRemaining(k -> keys.add(ConfigException.oneLine(k)));
                keys.addAll(Keys.TOP);
            }
        } catch (IOException | RuntimeException e) {
            // not YAML: only "config <file>: ..." may be said about it
        }
        return keys;
    }

    // ---- documents -----------------------------------------------------------------------------------------

    /** YAML text put into the document as is (anchors, tags, flow style, nesting). */
    record Raw(String yaml) {
    }

    Map<String, Object> document(Random rnd) {
        return rnd.nextInt(3) == 0 ? plausible(rnd) : hostile(rnd);
    }

    /** A document that mostly loads, with secrets where they belong, and now and then one bad value. */
    private Map<String, Object> plausible(Random rnd) {
        Map<String, Object> top = new LinkedHashMap<>();
        if (rnd.nextBoolean()) top.put(Keys.ADMIN_TOKEN, rnd.nextBoolean() ? SECRET : "${SECRET}");
        if (rnd.nextBoolean()) top.put(Keys.ADMIN_TOKEN + Keys.FILE_SUFFIX, "secret.txt"); // clashes with the above
        List<Object> dbs = new ArrayList<>();
        for (int i = 0; i <= rnd.nextInt(2); i++) {
            Map<String, Object> db = new LinkedHashMap<>();
            db.put(Keys.PATH, "/data/db" + i + ".db");
            if (rnd.nextBoolean()) db.put(Keys.NAME, "db-" + i);
            if (rnd.nextBoolean()) db.put(Keys.SYNC_INTERVAL, List.of("1s", "250ms", "${EMPTY:-2s}").get(rnd.nextInt(3)));
            if (rnd.nextInt(4) == 0) db.put(Keys.ENCRYPTION_KEY + Keys.FILE_SUFFIX, "secret.txt");
            List<Object> replicas = new ArrayList<>(List.of("/backups/" + i));
            if (rnd.nextBoolean()) replicas.add(Map.of(Keys.URL, "s3://bucket-" + i + "/app",
                    Keys.SECRET_ACCESS_KEY + Keys.FILE_SUFFIX, "secret.txt", Keys.ACCESS_KEY_ID + Keys.FILE_SUFFIX,
                    "secret.txt"));
            db.put(Keys.REPLICAS, replicas);
            if (rnd.nextInt(3) == 0) put(db, Keys.TUNABLES.get(rnd.nextInt(Keys.TUNABLES.size())), rnd);
            dbs.add(db);
        }
        top.put(Keys.DBS, dbs);
        return top;
    }

    private Map<String, Object> hostile(Random rnd) {
        Map<String, Object> top = new LinkedHashMap<>();
        for (String k : Keys.TOP) {
            if (k.equals(Keys.DBS) ? rnd.nextInt(10) > 0 : rnd.nextInt(3) == 0) {
                switch (k) {
                    case Keys.DBS -> top.put(k, rnd.nextInt(10) == 0 ? value(k, rnd) : dbs(rnd));
                    case Keys.DEFAULTS -> top.put(k, settings(Keys.TUNABLES, rnd, 3));
                    default -> put(top, k, rnd);
                }
            }
        }
        if (rnd.nextInt(8) == 0) put(top, pickKey(rnd), rnd); // misplaced or unknown
        return top;
    }

    private List<Object> dbs(Random rnd) {
        List<Object> list = new ArrayList<>();
        for (int i = rnd.nextInt(4); i > 0; i--) {
            Map<String, Object> db = settings(Keys.TUNABLES, rnd, 2);
            if (rnd.nextInt(8) > 0) db.put(Keys.PATH, rnd.nextInt(6) > 0 ? "/data/db" + rnd.nextInt(3) + ".db" : value(Keys.PATH, rnd));
            if (rnd.nextBoolean()) put(db, Keys.NAME, rnd);
            if (rnd.nextInt(4) == 0) put(db, Keys.SPOOL_DIR, rnd);
            if (rnd.nextInt(8) > 0) db.put(Keys.REPLICAS, replicas(rnd));
            list.add(rnd.nextInt(20) == 0 ? value("x", rnd) : db);
        }
        return list;
    }

    private Object replicas(Random rnd) {
        List<Object> list = new ArrayList<>();
        for (int i = rnd.nextInt(3); i >= 0; i--) {
            if (rnd.nextBoolean()) {
                list.add(ReplicaUrlPropertyTest.url(rnd, false));
            } else {
                Map<String, Object> r = settings(Keys.REPLICA, rnd, 3);
                if (rnd.nextBoolean()) r.put(Keys.TYPE, List.of("file", "s3", "gcs", "ftp").get(rnd.nextInt(4)));
                list.add(r);
            }
        }
        return rnd.nextInt(15) == 0 ? value(Keys.REPLICAS, rnd) : list;
    }

    private Map<String, Object> settings(List<String> keys, Random rnd, int n) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = rnd.nextInt(n + 1); i > 0; i--) put(m, rnd.nextInt(10) == 0 ? pickKey(rnd) : keys.get(rnd.nextInt(keys.size())), rnd);
        return m;
    }

    /** Sets {@code key}, or its -file form pointing at one of the prepared files. */
    private void put(Map<String, Object> m, String key, Random rnd) {
        if (!Keys.isStructure(key) && rnd.nextInt(4) == 0) {
            m.put(key + Keys.FILE_SUFFIX, files.get(rnd.nextInt(files.size())));
        } else {
            m.put(key, value(key, rnd));
        }
    }

    private static String pickKey(Random rnd) {
        List<String> all = new ArrayList<>(Keys.DB);
        all.addAll(Keys.REPLICA);
        all.addAll(Keys.TOP);
        all.addAll(List.of("sync_interval", "Sync-Interval", "a.b", "x[0]", "\"quoted: key\"", "dbs-file", "é"));
        String k = all.get(rnd.nextInt(all.size()));
        return rnd.nextInt(5) == 0 ? Mutate.text(k, rnd) : k;
    }

    /** A value for {@code key}: plausible, wrong, or hostile; secrets only where the key is a secret. */
    private Object value(String key, Random rnd) {
        if (Rules.isSensitiveKey(key) && rnd.nextBoolean()) return rnd.nextBoolean() ? SECRET : "${SECRET}";
        return switch (rnd.nextInt(16)) {
            case 0 -> List.of("1s", "250ms", "72h", "0", "-1s", "1e9h", "9223372036854775807d", "64MiB", "1.5GB",
                    "true", "maybe", "debug", "json", "127.0.0.1:9090", "0.0.0.0:1", "[::1]:70000", "off").get(rnd.nextInt(17));
            case 1 -> List.of("/data/app.db", "/", "rel/x", "/a/../..", "/a\0b", "~/x", "/" + "p".repeat(5000)).get(rnd.nextInt(7));
            case 2 -> List.of("${DATA}/x", "${EMPTY:-7s}", "${UNSET}", "${", "${BAD NAME}", "$${DATA}", "${DATA").get(rnd.nextInt(7));
            case 3 -> new Raw(List.of("~", "null", "[]", "{}", "[1, [2, {a: b}]]", "!!binary AAAA", "!!float 1e999",
                    "!!timestamp 2001-12-14", "&a [1, 2]", "*undefined", "!!java.io.File /x", "0x1F", "1_000",
                    "'single ''quoted'''", "|\n  block\n  text", "? complex\n: key").get(rnd.nextInt(16)));
            // deep or unclosed nesting; past 1000 levels the parser's limit costs ~0.2 s a document, so rarely
            case 4 -> new Raw("[".repeat(rnd.nextInt(8) == 0 ? 1001 + rnd.nextInt(2000) : 1 + rnd.nextInt(50))
                    + "]".repeat(5));
            case 5 -> new Raw("&a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]"); // aliases
            case 6 -> rnd.nextLong();
            case 7 -> List.of(rnd.nextInt(), "x");
            case 8 -> Map.of("k", rnd.nextBoolean());
            case 9 -> ReplicaUrlPropertyTest.url(rnd, false);
            case 10 -> DbNamePropertyTest.name(rnd);
            default -> Mutate.randomText(rnd, 40);
        };
    }

    /** Block-style YAML; scalars plain when that is safe, else double-quoted with JSON escapes. */
    static String render(Object node, int indent) {
        String pad = " ".repeat(indent);
        StringBuilder s = new StringBuilder();
        if (node instanceof Map<?, ?> m) {
            if (m.isEmpty()) return "{}";
            for (Map.Entry<?, ?> e : m.entrySet()) {
                s.append(pad).append(scalar(String.valueOf(e.getKey()))).append(':');
                appendChild(s, e.getValue(), indent);
            }
            return s.toString();
        }
        if (node instanceof List<?> l) {
            if (l.isEmpty()) return "[]";
            for (Object o : l) {
                s.append(pad).append('-');
                appendChild(s, o, indent);
            }
            return s.toString();
        }
        return node instanceof Raw r ? r.yaml() : scalar(String.valueOf(node));
    }

    private static void appendChild(StringBuilder s, Object child, int indent) {
        boolean block = child instanceof Map<?, ?> m && !m.isEmpty() || child instanceof List<?> l && !l.isEmpty();
        if (block) {
            s.append('\n').append(render(child, indent + 2));
        } else if (child instanceof Raw r) {
            // multi-line raw text continues at the child's indentation
            s.append(' ').append(r.yaml().replace("\n", "\n" + " ".repeat(indent + 2))).append('\n');
        } else {
            s.append(' ').append(render(child, indent)).append('\n');
        }
    }

    private static String scalar(String v) {
        if (v.matches("[A-Za-z0-9/][A-Za-z0-9/._${}=&?%@-]*") && !v.equals("null")) return v;
        try {
            return JSON.writeValueAsString(v);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
