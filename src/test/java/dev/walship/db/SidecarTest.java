package dev.walship.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.config.ConfigLoader;
import dev.walship.config.SidecarConfig;
import dev.walship.replica.file.FileReplica;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sidecar runner end to end in-process: waiting for the database, WAL mode, sync-on-commit, stop. */
class SidecarTest {
    @TempDir
    Path dir;

    private static String python(String code, String... args) throws Exception {
        String[] cmd = new String[3 + args.length];
        cmd[0] = "python3";
        cmd[1] = "-c";
        cmd[2] = code;
        System.arraycopy(args, 0, cmd, 3, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void waitsForTheDatabaseSwitchesToWalAndShipsEachCommitAtOnce() throws Exception {
        Path db = dir.resolve("app.db");
        Path replicaDir = dir.resolve("replica");
        // A 10 s interval: only the WAL watcher can explain a commit reaching the replica within a second.
        SidecarConfig cfg = ConfigLoader.fromFlags(db, List.of(replicaDir.toString()),
                Map.of("sync-interval", "10s", "sync-on-commit", "true"));
        Sidecar sidecar = new Sidecar(cfg, Clock.systemUTC());
        sidecar.start();
        try {
            Thread.sleep(700); // the database does not exist yet: the sidecar must wait, not fail
            python("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(v)'); c.commit()",
                    db.toString());
            FileReplica replica = new FileReplica(replicaDir);
            awaitTrue(() -> replica.listFiles().stream().anyMatch(f -> f.isSnapshot()), 15_000);
            assertEquals("wal", python("import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("
                    + "'PRAGMA journal_mode').fetchone()[0])", db.toString()), "walship switched the database to WAL mode");

            for (int i = 0; i < 3; i++) {
                int segmentsBefore = segments(replica);
                long t0 = System.nanoTime();
                python("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('insert into t values(1)'); c.commit()",
                        db.toString());
                awaitTrue(() -> segments(replica) > segmentsBefore, 5_000);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 3_000, "commit reached the replica after " + ms + " ms with a 10 s sync interval");
            }
        } finally {
            sidecar.stop();
            sidecar.await();
        }
        assertTrue(Files.exists(replicaDir.resolve("walship-replica.json")));
    }

    @Test
    void refusesAFileThatIsNotSqlite() throws Exception {
        Path db = dir.resolve("notes.db");
        Files.writeString(db, "this is not a database, just a text file that is long enough to have a header. ".repeat(4));
        SidecarConfig cfg = ConfigLoader.fromFlags(db, List.of(dir.resolve("replica").toString()), Map.of());
        Sidecar sidecar = new Sidecar(cfg, Clock.systemUTC());
        sidecar.start();
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, sidecar::await);
        assertTrue(e.getMessage().contains(db.toString()) && e.getMessage().contains("not a SQLite database"), e.getMessage());
        assertEquals(List.of(), new FileReplica(dir.resolve("replica")).listFiles(), "nothing shipped");
    }

    @Test
    void aSecondSidecarOnTheSameReplicaIsRefused() throws Exception {
        Path db = dir.resolve("app.db");
        python("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(v)'); c.commit()",
                db.toString());
        Path replicaDir = dir.resolve("replica");
        Sidecar first = new Sidecar(ConfigLoader.fromFlags(db, List.of(replicaDir.toString()),
                Map.of("spool-dir", dir.resolve("spool-a").toString())), Clock.systemUTC());
        first.start();
        try {
            FileReplica replica = new FileReplica(replicaDir);
            awaitTrue(() -> replica.listFiles().stream().anyMatch(f -> f.isSnapshot()), 15_000);
            Sidecar second = new Sidecar(ConfigLoader.fromFlags(db, List.of(replicaDir.toString()),
                    Map.of("spool-dir", dir.resolve("spool-b").toString())), Clock.systemUTC());
            second.start();
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, second::await);
            assertTrue(e.getMessage().contains("in use by another walship"), e.getMessage());
            long snapshots = replica.listFiles().stream().filter(f -> f.isSnapshot()).count();
            assertEquals(1, snapshots, "the refused sidecar wrote nothing");
        } finally {
            first.stop();
            first.await();
        }
    }

    @Test
    void withWaitForLeaseASecondSidecarTakesOverWhenTheFirstStops() throws Exception {
        Path db = dir.resolve("app.db");
        python("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(v)'); c.commit()",
                db.toString());
        Path replicaDir = dir.resolve("replica");
        FileReplica replica = new FileReplica(replicaDir);
        Sidecar first = new Sidecar(ConfigLoader.fromFlags(db, List.of(replicaDir.toString()),
                Map.of("spool-dir", dir.resolve("spool-a").toString())), Clock.systemUTC());
        first.start();
        awaitTrue(() -> replica.listFiles().stream().anyMatch(f -> f.isSnapshot()), 15_000);
        Sidecar second = new Sidecar(ConfigLoader.fromFlags(db, List.of(replicaDir.toString()),
                Map.of("spool-dir", dir.resolve("spool-b").toString(), "wait-for-lease", "true")), Clock.systemUTC());
        second.start();
        try {
            Thread.sleep(1500);
            assertEquals(null, second.runners().get(0).follower(), "the second sidecar waits while the first holds the lease");
            first.stop();
            first.await(); // releases the lease
            awaitTrue(() -> second.runners().get(0).follower() != null, 20_000);
            python("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('insert into t values(1)'); c.commit()",
                    db.toString());
            long before = replica.listFiles().stream().mapToLong(f -> f.maxTxid()).max().orElse(0);
            awaitTrue(() -> replica.listFiles().stream().mapToLong(f -> f.maxTxid()).max().orElse(0) > before, 10_000);
        } finally {
            second.stop();
            second.await();
        }
    }

    private static int segments(FileReplica r) throws Exception {
        return (int) r.listFiles().stream().filter(f -> !f.isSnapshot()).count();
    }

    interface Check {
        boolean ok() throws Exception;
    }

    /** Polls {@code c} until it holds or {@code timeoutMs} passed, then asserts it (shared by this package's tests). */
    static void awaitTrue(Check c, long timeoutMs) throws Exception {
        long end = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < end) {
            if (c.ok()) return;
            Thread.sleep(20);
        }
        assertTrue(c.ok(), "condition not met within " + timeoutMs + " ms");
    }
}
