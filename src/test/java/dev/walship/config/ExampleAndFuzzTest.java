package dev.walship.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExampleAndFuzzTest {
    private static final Path EXAMPLE = Path.of("sidecar.yml.example");
    private static final Map<String, String> ENV = Map.of("BACKUP_ROOT", "/backups");

    @TempDir
    Path dir;

    @Test
    void exampleLoadsAndShowsTheDefaults() throws Exception {
        SidecarConfig c = ConfigLoader.load(EXAMPLE, ENV);
        assertEquals(3, c.dbs().size());
        DbConfig app = c.dbs().get(0);
        assertEquals("app", app.name());
        assertEquals(Path.of("/data/app.db"), app.path());
        assertEquals(List.of(ReplicaSpec.file(Path.of("/backups/app")), ReplicaSpec.file(Path.of("/mnt/offsite/app")),
                ReplicaSpec.file(Path.of("/mnt/usb/app"))), app.replicas());
        // The example documents each default by setting it; this catches drift between it and Defaults.
        DbConfig defaults = DbConfig.of(app.path(), app.replicas());
        assertEquals(new DbConfig(app.path(), "app", app.replicas(), defaults.spoolDir(), defaults.syncInterval(),
                defaults.syncOnCommit(), defaults.snapshotInterval(), defaults.retention(), defaults.l0Retention(),
                defaults.l1Interval(), defaults.l2Interval(), defaults.checkpointPages(), defaults.maxWalBytes(),
                defaults.busyTimeout()), app);
        assertEquals(DbConfig.of(Path.of("/data/users.db"), List.of(ReplicaSpec.file(Path.of("/backups/users")))),
                c.dbs().get(1));
        List<ReplicaSpec> events = c.dbs().get(2).replicas();
        assertEquals(List.of(ReplicaType.S3, ReplicaType.S3, ReplicaType.S3, ReplicaType.GCS),
                events.stream().map(ReplicaSpec::type).toList());
        assertEquals(new ReplicaSpec.S3("my-backups", "events-archive",
                java.net.URI.create("https://s3.eu-central-1.amazonaws.com"), "eu-central-1", true,
                ReplicaSpec.ChecksumMode.WHEN_SUPPORTED, "STANDARD_IA", null, null), events.get(2).s3());
        assertEquals(ReplicaSpec.Gcs.of("my-gcs-backups", "events"), events.get(3).gcs());
        assertEquals(SidecarConfig.of(c.dbs()), c);
    }

    @Test
    void exampleNeedsItsVariable() throws Exception {
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ConfigLoader.load(EXAMPLE, Map.of()));
        assertEquals(List.of("dbs[0].replicas[0]: environment variable BACKUP_ROOT is not set (set it, or give a"
                + " default with ${BACKUP_ROOT:-default})"), e.problems());
    }

    @Test
    void exampleMentionsEveryKey() throws Exception {
        String text = Files.readString(EXAMPLE);
        for (String key : Keys.TOP) {
            // a secret is shown in its -file form, commented out (the file does not exist where the test runs)
            assertTrue(text.contains("\n" + key + ":")
                    || Rules.isSensitiveKey(key) && text.contains("\n# " + key + "-file:"), key);
        }
        for (String key : Keys.DB) {
            // secrets are shown in their -file form (Docker secrets), never inline
            assertTrue(text.contains(" " + key + ":") || text.contains(" " + key + "-file:"), key);
        }
        for (String key : Keys.REPLICA) {
            assertTrue(text.contains(" " + key + ":") || text.contains(" " + key + "-file:"), key);
        }
        for (String line : text.split("\n")) {
            assertTrue(line.isBlank() || line.contains("#"), "every line is commented: " + line);
        }
    }

    @Test
    void randomMutationsOfTheExampleNeverThrowAnythingButConfigException() throws Exception {
        String example = Files.readString(EXAMPLE);
        Random random = new Random(20240611L);
        Path file = dir.resolve("fuzz.yml");
        int loaded = 0;
        int rejected = 0;
        for (int i = 0; i < 500; i++) {
            StringBuilder s = new StringBuilder(example);
            int mutations = 1 + random.nextInt(4);
            for (int m = 0; m < mutations && s.length() > 1; m++) {
                int at = random.nextInt(s.length() - 1);
                switch (random.nextInt(3)) {
                    case 0 -> s.deleteCharAt(at);
                    case 1 -> s.insert(at, s.charAt(at));
                    default -> {
                        char c = s.charAt(at);
                        s.setCharAt(at, s.charAt(at + 1));
                        s.setCharAt(at + 1, c);
                    }
                }
            }
            Files.writeString(file, s);
            try {
                ConfigLoader.load(file, ENV);
                loaded++;
            } catch (ConfigException e) {
                rejected++;
                assertFalse(e.problems().isEmpty());
                for (String problem : e.problems()) {
                    assertFalse(problem.isBlank() || problem.contains("\n"), "one line each: " + problem);
                }
            } catch (RuntimeException | Error e) {
                fail("mutation " + i + " threw " + e + " for:\n" + s, e);
            }
        }
        assertEquals(500, loaded + rejected);
        assertTrue(rejected > 50 && loaded > 50, "mutations exercise both paths: " + loaded + "/" + rejected);
    }
}
