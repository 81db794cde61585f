package dev.walship.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("sidecar.yml");
        Files.writeString(file, yaml);
        return file;
    }

    private SidecarConfig load(String yaml) throws Exception {
        return ConfigLoader.load(write(yaml), Map.of());
    }

    private List<String> problems(String yaml, Map<String, String> env) throws IOException {
        Path file = write(yaml);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(file, env)).problems();
    }

    private List<String> problems(String yaml) throws IOException {
        return problems(yaml, Map.of());
    }

    @Test
    void minimalConfigGetsEveryDefault() throws Exception {
        SidecarConfig c = load("dbs:\n  - path: /data/app.db\n    replicas: [file:///backups/app]\n");
        assertEquals("info", c.logLevel());
        assertEquals("text", c.logFormat());
        DbConfig db = c.dbs().get(0);
        assertEquals(DbConfig.of(Path.of("/data/app.db"), List.of(ReplicaSpec.file(Path.of("/backups/app")))), db);
        assertEquals("app.db", db.name());
        assertEquals(Path.of("/data/.app.db-walship"), db.spoolDir());
        assertEquals(Duration.ofSeconds(1), db.syncInterval());
        assertFalse(db.syncOnCommit());
        assertEquals(Duration.ofHours(24), db.snapshotInterval());
        assertEquals(Duration.ofHours(72), db.retention());
        assertEquals(Duration.ofHours(1), db.l0Retention());
        assertEquals(Duration.ofMinutes(1), db.l1Interval());
        assertEquals(Duration.ofHours(1), db.l2Interval());
        assertEquals(1000, db.checkpointPages());
        assertEquals(64L << 20, db.maxWalBytes());
        assertEquals(Duration.ofMillis(100), db.busyTimeout());
        assertEquals(c.dbs().get(0), c.db("app.db").orElseThrow());
    }

    @Test
    void everyKeyIsRead() throws Exception {
        SidecarConfig c = load(String.join("\n",
                "log-level: DEBUG",
                "log-format: json",
                "dbs:",
                "  - path: /data/x/../app.db",
                "    name: main",
                "    spool-dir: /spool/app",
                "    sync-interval: 250ms",
                "    sync-on-commit: true",
                "    snapshot-interval: 12h",
                "    retention: 7d",
                "    l0-retention: 30m",
                "    l1-interval: 30s",
                "    l2-interval: 2h",
                "    checkpoint-pages: 5000",
                "    max-wal-size: 1GiB",
                "    busy-timeout: 2s",
                "    replicas:",
                "      - /backups/a",
                "      - url: file:///backups/b",
                "      - type: file",
                "        path: /backups/c",
                ""));
        assertEquals("debug", c.logLevel());
        assertEquals("json", c.logFormat());
        DbConfig db = c.dbs().get(0);
        assertEquals(new DbConfig(Path.of("/data/app.db"), "main",
                List.of(ReplicaSpec.file(Path.of("/backups/a")), ReplicaSpec.file(Path.of("/backups/b")),
                        ReplicaSpec.file(Path.of("/backups/c"))),
                Path.of("/spool/app"), Duration.ofMillis(250), true, Duration.ofHours(12), Duration.ofDays(7),
                Duration.ofMinutes(30), Duration.ofSeconds(30), Duration.ofHours(2), 5000, 1L << 30,
                Duration.ofSeconds(2)), db);
    }

    @Test
    void defaultsSectionAppliesToEveryDbAndCanBeOverridden() throws Exception {
        SidecarConfig c = load(String.join("\n",
                "defaults:",
                "  sync-interval: 5s",
                "  max-wal-size: 16MB",
                "dbs:",
                "  - path: /data/a.db",
                "    replicas: [/b/a]",
                "  - path: /data/b.db",
                "    sync-interval: 50ms",
                "    replicas: [/b/b]",
                ""));
        assertEquals(Duration.ofSeconds(5), c.dbs().get(0).syncInterval());
        assertEquals(Duration.ofMillis(50), c.dbs().get(1).syncInterval());
        assertEquals(16_000_000L, c.dbs().get(1).maxWalBytes());
    }

    @Test
    void expandsEnvironmentVariables() throws Exception {
        Path file = write(String.join("\n",
                "log-level: ${LEVEL:-warn}",
                "dbs:",
                "  - path: ${DATA}/app.db",
                "    name: ${NAME:-fallback}",
                "    sync-interval: ${SYNC}",
                "    replicas: [\"file://${ROOT}/app\", \"/lit/$${x}\"]",
                ""));
        SidecarConfig c = ConfigLoader.load(file, Map.of("DATA", "/srv", "SYNC", "2s", "ROOT", "/bk", "NAME", ""));
        DbConfig db = c.dbs().get(0);
        assertEquals("warn", c.logLevel());
        assertEquals(Path.of("/srv/app.db"), db.path());
        assertEquals("fallback", db.name());
        assertEquals(Duration.ofSeconds(2), db.syncInterval());
        assertEquals(List.of(ReplicaSpec.file(Path.of("/bk/app")), ReplicaSpec.file(Path.of("/lit/${x}"))),
                db.replicas());
    }

    @Test
    void missingVariableIsNamedNotShown() throws Exception {
        List<String> p = problems("dbs:\n  - path: ${DATA}/a.db\n    replicas: [\"${ROOT}\"]\n"
                + "    name: ${BAD NAME}\n    retention: ${OPEN\n", Map.of("OTHER", "s3cr3t"));
        assertTrue(p.contains("dbs[0].path: environment variable DATA is not set (set it, or give a default with"
                + " ${DATA:-default})"), p.toString());
        assertTrue(p.contains("dbs[0].replicas[0]: environment variable ROOT is not set (set it, or give a default"
                + " with ${ROOT:-default})"), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("dbs[0].name: invalid variable reference")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("dbs[0].retention: unclosed ${")), p.toString());
        assertFalse(String.join("\n", p).contains("s3cr3t"));
    }

    @Test
    void readsValuesFromFilesAndRedactsThem() throws Exception {
        Files.writeString(dir.resolve("name.txt"), "secret-name\n");
        Files.writeString(dir.resolve("url.txt"), "file:///hidden/place\r\n");
        SidecarConfig c = load(String.join("\n",
                "dbs:",
                "  - path: /data/app.db",
                "    name-file: name.txt",
                "    replicas:",
                "      - url-file: " + dir.resolve("url.txt"),
                ""));
        DbConfig db = c.dbs().get(0);
        assertEquals("secret-name", db.name());
        assertEquals(Path.of("/hidden/place"), db.replicas().get(0).path());
        String described = c.describe();
        assertFalse(described.contains("secret-name"), described);
        assertFalse(described.contains("hidden"), described);
        assertTrue(described.contains("name: <redacted>"), described);
        assertTrue(described.contains("- <redacted>"), described);
    }

    @Test
    void secretFileProblemsNeverShowTheValue() throws Exception {
        Files.writeString(dir.resolve("bad.txt"), "not valid!\n");
        Files.writeString(dir.resolve("int.txt"), "soon-ish");
        Files.writeString(dir.resolve("url.txt"), "ftp://user:hunter2@host/x");
        List<String> p = problems(String.join("\n",
                "dbs:",
                "  - path: /data/app.db",
                "    name-file: bad.txt",
                "    sync-interval-file: int.txt",
                "    replicas:",
                "      - url-file: url.txt",
                "      - url-file: /no/such/secret",
                "    spool-dir: /x",
                "    spool-dir-file: /y",
                ""));
        String all = String.join("\n", p);
        assertFalse(all.contains("not valid!") || all.contains("soon-ish") || all.contains("hunter2")
                || all.contains("ftp"), all);
        assertTrue(all.contains("dbs[0].name-file: invalid name"), all);
        assertTrue(all.contains("dbs[0].sync-interval-file: invalid duration <redacted>"), all);
        assertTrue(all.contains("dbs[0].replicas[0].url-file: unsupported scheme <redacted>"), all);
        assertTrue(all.contains("dbs[0].replicas[1].url-file: cannot read \"/no/such/secret\": no such file"), all);
        assertTrue(all.contains("dbs[0].spool-dir-file: both spool-dir and spool-dir-file are set (keep one)"), all);
    }

    @Test
    void secretValuesHelperResolvesAnyDashFileKey() throws Exception {
        Files.writeString(dir.resolve("token"), "abc123\n\n");
        com.fasterxml.jackson.databind.JsonNode node = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
                .readTree("test:\n  first: 1\n  api-token-file: token\n  last: 2\n  list:\n    - x-file: /nope\n");
        List<String> problems = new java.util.ArrayList<>();
        var resolved = SecretValues.resolve(node, "root", dir, problems);
        assertEquals(java.util.Set.of("root.test.api-token"), resolved);
        assertEquals("abc123\n", node.get("test").get("api-token").asText(), "only one trailing newline is dropped");
        assertEquals(List.of("first", "api-token", "last", "list"), iterate(node.get("test")), "key order kept");
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).startsWith("root.test.list[0].x-file: cannot read \"/nope\": no such file"));
    }

    private static List<String> iterate(com.fasterxml.jackson.databind.JsonNode node) {
        List<String> keys = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    @Test
    void reportsEveryProblemAtOnceWithKeyPaths() throws Exception {
        List<String> p = problems(String.join("\n",
                "log-format: xml",
                "dbs:",
                "  - path: data/app.db",
                "    sync-interval: 5ms",
                "    replicas: [\"/ok\", \"ftp://h/x\"]",
                "  - path: /data/b.db",
                "    retention: forever",
                "    checkpont-pages: 10",
                "    replicas: [/ok2]",
                ""));
        assertEquals(List.of(
                "dbs[0].path: relative path \"data/app.db\" (use an absolute path starting with /; the sidecar's"
                        + " working directory is not a stable base)",
                "dbs[0].replicas[1]: unsupported scheme \"ftp\" (use file:///path, an absolute path, s3://bucket/path or"
                        + " gs://bucket/path)",
                "dbs[0].sync-interval: must be at least 10ms (syncing more often only costs CPU and I/O; consider"
                        + " sync-on-commit: true)",
                "dbs[1].checkpont-pages: unknown key (did you mean checkpoint-pages?)",
                "dbs[1].retention: invalid duration \"forever\" (use a whole number with a unit: 500ms, 1s, 10m, 24h,"
                        + " 3d, combinations like 1h30m, or ISO-8601 like PT1S)",
                "log-format: unknown log format (use text or json)"), sortedByAppearance(p));
    }

    private static List<String> sortedByAppearance(List<String> p) {
        return p.stream().sorted().toList();
    }

    @Test
    void unknownKeysGetSuggestionsOrTheKnownList() throws Exception {
        List<String> p = problems(String.join("\n",
                "sync-interval: 1s",
                "log_level: info",
                "defaults:",
                "  name: x",
                "  busy-timout: 1s",
                "dbs:",
                "  - path: /a.db",
                "    url: file:///x",
                "    frobnicate: 1",
                "    replicas: [{url: /x, kind: file}]",
                ""));
        assertTrue(p.contains("sync-interval: per-database setting at the top level (put it under defaults: for"
                + " every database, or under an entry of dbs:)"), p.toString());
        assertTrue(p.contains("log_level: unknown key (did you mean log-level?)"), p.toString());
        assertTrue(p.contains("defaults.name: not allowed in defaults (it identifies one database; set it on each"
                + " entry of dbs:)"), p.toString());
        assertTrue(p.contains("defaults.busy-timout: unknown key (did you mean busy-timeout?)"), p.toString());
        assertTrue(p.contains("dbs[0].url: replica key outside replicas: (put it in an entry of replicas:)"));
        assertTrue(p.stream().anyMatch(s -> s.startsWith("dbs[0].frobnicate: unknown key (known keys here: path,")));
        assertTrue(p.contains("dbs[0].replicas[0].kind: unknown key (known keys here: url, type, path, bucket,"
                + " endpoint, region, path-style, checksum-mode, storage-class, access-key-id, secret-access-key,"
                + " credentials-file)"), p.toString());
        assertEquals(7, p.size(), p.toString());
    }

    @Test
    void malformedYamlIsOneProblemWithLineAndColumn() throws Exception {
        List<String> p = problems("dbs:\n  - path: /a.db\n    replicas: [/x\n  bad: : :\n");
        assertEquals(1, p.size());
        assertTrue(p.get(0).matches("config .*sidecar\\.yml: invalid YAML at line \\d+, column \\d+: .+ \\(fix .*"),
                p.get(0));
        List<String> tabs = problems("dbs:\n\t- path: /a.db\n");
        assertEquals(1, tabs.size());
        assertTrue(tabs.get(0).contains("line 2, column 1"), tabs.get(0));
    }

    @Test
    void duplicateYamlKeysAreRejected() throws Exception {
        List<String> p = problems("dbs: []\ndbs: []\n");
        assertEquals(1, p.size());
        assertTrue(p.get(0).contains("invalid YAML at line 2") && p.get(0).contains("dbs"), p.get(0));
    }

    @Test
    void missingEmptyAndNonMapFiles() throws Exception {
        Path missing = dir.resolve("nope.yml");
        assertEquals("config " + missing + ": no such file (pass --config with the path to sidecar.yml)",
                assertThrows(ConfigException.class, () -> ConfigLoader.load(missing, Map.of())).getMessage());
        assertTrue(problems("").get(0).endsWith(": file is empty (add a dbs: list; see sidecar.yml.example)"));
        assertTrue(problems("- a\n- b\n").get(0).contains("must be a map with a dbs: list"));
        assertEquals(List.of("dbs: required (list the databases to replicate, each with path: and replicas:)"),
                problems("log-level: info\n"));
        assertEquals(List.of("dbs[0].replicas: required (add at least one replica, e.g. replicas:"
                + " [\"file:///backups/app\"])"), problems("dbs:\n  - path: /a.db\n"));
        assertEquals(List.of("dbs[0].path: required (the absolute path of the SQLite database file)"),
                problems("dbs:\n  - replicas: [/x]\n"));
    }

    @Test
    void duplicateNamesPathsSpoolsAndReplicasAreRejected() throws Exception {
        List<String> p = problems(String.join("\n",
                "dbs:",
                "  - path: /one/app.db",
                "    replicas: [/backups/app]",
                "  - path: /two/app.db",
                "    spool-dir: /one/.app.db-walship",
                "    replicas: [/backups/app/nested]",
                "  - path: /one/app.db",
                "    name: other",
                "    spool-dir: /s3",
                "    replicas: [/backups/other, /backups/other]",
                ""));
        assertEquals(List.of(
                "dbs[1].name: same name as dbs[0].name (names default to the file name; set a unique name: on one"
                        + " of them)",
                "dbs[1].spool-dir: same spool directory as dbs[0].spool-dir (give each database its own spool-dir)",
                "dbs[1].replicas[0]: replica location overlaps dbs[0].replicas[0] (give every replica its own"
                        + " directory, not inside another)",
                "dbs[2].path: same database as dbs[0].path (list each database once)",
                "dbs[2].replicas[1]: same replica location as dbs[2].replicas[0] (give every replica its own"
                        + " directory, not inside another)"), p);
    }

    @Test
    void badNamesAndCrossFieldRules() throws Exception {
        List<String> p = problems(String.join("\n",
                "dbs:",
                "  - path: /data/my app.db",
                "    replicas: [/b/1]",
                "  - path: /data/b.db",
                "    name: ..",
                "    replicas: [/b/2]",
                "  - path: /data/c.db",
                "    l1-interval: 2h",
                "    sync-on-commit: maybe",
                "    checkpoint-pages: 0",
                "    max-wal-size: 0",
                "    busy-timeout: -1s",
                "    replicas: [/b/3]",
                ""));
        assertTrue(p.get(0).startsWith("dbs[0].name: the default derived from path is not valid: invalid name"),
                p.get(0));
        assertTrue(p.contains("dbs[1].name: invalid name (\".\" and \"..\" are not allowed because names become file"
                + " names)"), p.toString());
        assertTrue(p.contains("dbs[2].l1-interval: must not be longer than l2-interval (1h; L2 windows are built from"
                + " whole L1 windows, so raise l2-interval too)"), p.toString());
        assertTrue(p.contains("dbs[2].sync-on-commit: not a boolean \"maybe\" (use true or false)"), p.toString());
        assertTrue(p.contains("dbs[2].checkpoint-pages: must be at least 1 (e.g. 1000)"), p.toString());
        assertTrue(p.contains("dbs[2].max-wal-size: must be greater than zero (e.g. 64MiB)"), p.toString());
        assertTrue(p.contains("dbs[2].busy-timeout: negative duration \"-1s\" (durations must be zero or more)"));
        assertEquals(7, p.size(), p.toString());
    }

    @Test
    void badValuesInDefaultsAreReportedOnceUnderDefaults() throws Exception {
        List<String> p = problems(String.join("\n",
                "defaults:",
                "  snapshot-interval: 0s",
                "dbs:",
                "  - {path: /a.db, replicas: [/r/a]}",
                "  - {path: /b.db, replicas: [/r/b]}",
                ""));
        assertEquals(List.of("defaults.snapshot-interval: must be greater than zero (e.g. 24h)"), p);
        assertEquals(List.of("dbs[0].l2-interval: must not be shorter than l1-interval (L2 windows are built from whole"
                + " L1 windows)"), problems("dbs:\n  - {path: /a.db, replicas: [/r], l1-interval: 1m, l2-interval: 30s}\n"));
    }

    @Test
    void describeRoundTrips() throws Exception {
        SidecarConfig c = load(String.join("\n",
                "log-format: json",
                "dbs:",
                "  - path: /data/app.db",
                "    name: '1.10'",
                "    sync-interval: 1500ms",
                "    max-wal-size: 1500",
                "    replicas: [/b/with space, '/b/100%']",
                ""));
        String yaml = c.describe();
        assertTrue(yaml.contains("sync-interval: 1500ms"), yaml);
        assertTrue(yaml.contains("max-wal-size: \"1500\""), yaml);
        assertTrue(yaml.contains("  retention: 72h"), yaml);
        assertTrue(yaml.contains("name: \"1.10\""), yaml);
        assertEquals(c, load(yaml));
    }

    @Test
    void fromFlagsUsesTheSameValidation() throws Exception {
        SidecarConfig c = ConfigLoader.fromFlags(Path.of("/data/app.db"), List.of("file:///backups/app"),
                Map.of("--sync-interval", "250ms", "name", "main", "log-format", "json"));
        DbConfig db = c.dbs().get(0);
        assertEquals("main", db.name());
        assertEquals(Duration.ofMillis(250), db.syncInterval());
        assertEquals("json", c.logFormat());
        assertEquals(Defaults.RETENTION, db.retention());

        SidecarConfig rel = ConfigLoader.fromFlags(Path.of("rel.db"), List.of("/b"), Map.of());
        assertEquals(Path.of("rel.db").toAbsolutePath().normalize(), rel.dbs().get(0).path());

        List<String> p = assertThrows(ConfigException.class, () -> ConfigLoader.fromFlags(null,
                List.of("/a", "s3://b/c"), Map.of("--sync-intervl", "1s", "--retention", "0s"))).problems();
        assertEquals(List.of(
                "--sync-intervl: unknown option (did you mean --sync-interval?)",
                "--replica[1]: invalid S3 bucket name: must be 3 to 63 characters long (fix the bucket name)",
                "--db: required (the absolute path of the SQLite database file)",
                "--retention: must be greater than zero (e.g. 72h)"), p);
        assertEquals(List.of("--replica: required (pass --replica file:///path/to/backups at least once)"),
                assertThrows(ConfigException.class, () -> ConfigLoader.fromFlags(Path.of("/a.db"), List.of(),
                        Map.of())).problems());
    }
}
