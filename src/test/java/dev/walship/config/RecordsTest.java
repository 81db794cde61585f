package dev.walship.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RecordsTest {
    private static final List<ReplicaSpec> R = List.of(ReplicaSpec.file(Path.of("/r")));

    @Test
    void defaultsDerivedFromThePath() {
        assertEquals("app.db", Defaults.name(Path.of("/data/app.db")));
        assertEquals(Path.of("/data/.app.db-walship"), Defaults.spoolDir(Path.of("/data/app.db")));
        assertEquals(Path.of("/.x-walship"), Defaults.spoolDir(Path.of("/x")));
    }

    @Test
    void dbConfigValidatesEveryFieldAtOnce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DbConfig(
                Path.of("rel.db"), "a/b", List.of(), Path.of("spool"), Duration.ofMillis(1), false, Duration.ZERO,
                Duration.ZERO, Duration.ofSeconds(-1), Duration.ZERO, Duration.ZERO, 0, 0, null));
        List<String> lines = List.of(e.getMessage().split("\n"));
        assertEquals(13, lines.size(), e.getMessage());
        assertTrue(lines.get(0).startsWith("path: must be an absolute path"));
        assertTrue(lines.contains("busy-timeout: required (e.g. 1s)"), e.getMessage());
    }

    @Test
    void dbConfigNormalizesAndCopies() {
        java.util.ArrayList<ReplicaSpec> replicas = new java.util.ArrayList<>(R);
        DbConfig db = DbConfig.of(Path.of("/a/./b/../app.db"), replicas);
        replicas.clear();
        assertEquals(Path.of("/a/app.db"), db.path());
        assertEquals(1, db.replicas().size());
        assertThrows(UnsupportedOperationException.class, () -> db.replicas().clear());
    }

    @Test
    void sidecarConfigValidates() {
        DbConfig a = DbConfig.of(Path.of("/d/a.db"), R);
        assertEquals("warn", new SidecarConfig(List.of(a), " WARN ", "Json").logLevel());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SidecarConfig(List.of(), "loud", "xml"));
        assertEquals(3, e.getMessage().split("\n").length, e.getMessage());
        DbConfig b = DbConfig.of(Path.of("/e/a.db"), List.of(ReplicaSpec.file(Path.of("/r2"))));
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                () -> SidecarConfig.of(List.of(a, b)));
        assertTrue(dup.getMessage().startsWith("dbs[1].name: same name as dbs[0].name"), dup.getMessage());
    }

    @Test
    void describeRedactsSecretSoundingKeysAndMarkedKeys() {
        SidecarConfig c = new SidecarConfig(List.of(DbConfig.of(Path.of("/d/a.db"), R)), "info", "text",
                Set.of("dbs[0].path", "dbs[0].replicas[0]", "log-level"));
        String yaml = c.describe();
        assertTrue(yaml.contains("path: <redacted>") && yaml.contains("- <redacted>")
                && yaml.contains("log-level: <redacted>"), yaml);
        assertTrue(yaml.contains("name: a.db"), yaml);
        assertTrue(Rules.isSensitiveKey("api-token") && Rules.isSensitiveKey("access-key-id")
                && Rules.isSensitiveKey("db-password") && !Rules.isSensitiveKey("sync-interval"));
    }

    @Test
    void configExceptionJoinsProblems() {
        ConfigException e = new ConfigException(List.of("a: x (y)", "b: z (w)"));
        assertEquals("a: x (y)\nb: z (w)", e.getMessage());
        assertEquals(2, e.problems().size());
        assertThrows(IllegalArgumentException.class, () -> new ConfigException(List.of()));
    }

    @Test
    void suggestionsUseEditDistance() {
        assertEquals("retention", Keys.suggest("retension", Keys.DB));
        assertEquals("sync-interval", Keys.suggest("sync_interval", Keys.DB));
        assertEquals("sync-interval", Keys.suggest("syncInterval", Keys.DB));
        assertEquals(null, Keys.suggest("completely-different", Keys.DB));
    }
}
