package dev.walship.db;

import static dev.walship.db.SidecarTest.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.config.ConfigLoader;
import dev.walship.config.SidecarConfig;
import dev.walship.replica.file.FileReplica;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A quiet database: the follower sleeps until the database's files change (up to {@link Sidecar#QUIET_CHECK_MS})
 * and the uploader until the follower spools something. Commits, tasks and a stop must still get through at once.
 * The deadlines below are far under the 30 s quiet check, so only the wake-ups can meet them.
 */
class QuietSidecarTest {
    @TempDir
    Path dir;

    @Test
    void aQuietSidecarShipsTheNextCommitRunsTasksAndStopsWithoutWaitingForItsQuietCheck() throws Exception {
        Path db = dir.resolve("app.db");
        sql(db, "create table t(v)");
        Path replicaDir = dir.resolve("replica");
        SidecarConfig cfg = ConfigLoader.fromFlags(db, List.of(replicaDir.toString()), Map.of("sync-interval", "200ms"));
        Sidecar sidecar = new Sidecar(cfg, Clock.systemUTC());
        sidecar.start();
        FileReplica replica = new FileReplica(replicaDir);
        try {
            awaitTrue(() -> replica.listFiles().stream().anyMatch(f -> f.isSnapshot()), 15_000);
            for (int i = 0; i < 2; i++) {
                Thread.sleep(1_000); // several intervals without a change: the follower is in its quiet sleep
                long before = maxTxid(replica);
                sql(db, "insert into t values(1)");
                awaitTrue(() -> maxTxid(replica) > before, 10_000);
            }

            Thread.sleep(1_000);
            Sidecar.DbRunner runner = sidecar.runners().get(0);
            long txid = runner.submit(DatabaseFollower::lastTxid).get(10, TimeUnit.SECONDS);
            assertEquals(maxTxid(replica), txid, "the task ran on the follower's thread while it was quiet");

            sql(db, "insert into t values(2)");
            long stopAt = System.nanoTime();
            sidecar.stop(); // the final sync must not wait for the quiet check
            sidecar.await();
            assertTrue(System.nanoTime() - stopAt < TimeUnit.SECONDS.toNanos(10), "stopped within 10 s");
            assertEquals(txid + 1, maxTxid(replica), "the commit made just before the stop is on the replica");
        } finally {
            sidecar.stop();
            sidecar.await();
        }
    }

    /**
     * Commits wait for the sync interval (one batch, one segment), unless the app commits so much that waiting
     * would let the WAL outgrow max-wal-size: then the follower wakes early. The interval here is 60 s, so only
     * the early wake-up can ship within the deadlines.
     */
    @Test
    void aBusyWriterWakesTheFollowerBeforeItsIntervalAndASmallCommitWaitsForIt() throws Exception {
        Path db = dir.resolve("app.db");
        sql(db, "create table t(v)");
        Path replicaDir = dir.resolve("replica");
        SidecarConfig cfg = ConfigLoader.fromFlags(db, List.of(replicaDir.toString()),
                Map.of("sync-interval", "60s", "max-wal-size", "1MB"));
        Sidecar sidecar = new Sidecar(cfg, Clock.systemUTC());
        sidecar.start();
        FileReplica replica = new FileReplica(replicaDir);
        try {
            awaitTrue(() -> replica.listFiles().stream().anyMatch(f -> f.isSnapshot()), 15_000);
            long base = maxTxid(replica);
            sql(db, "insert into t values(1)"); // a few kB: batched with the next interval
            Thread.sleep(3_000);
            assertEquals(base, maxTxid(replica), "a small commit waits for the sync interval");
            // about 2 MB of WAL in 2000 commits: past a quarter of max-wal-size
            python(db, "[(c.execute('insert into t values(randomblob(1000))'), c.commit()) for _ in range(2000)]");
            // shipped as segments, or as a fresh snapshot if the app's own checkpoints restarted the WAL twice first
            awaitTrue(() -> maxTxid(replica) > base, 10_000);
        } finally {
            sidecar.stop();
            sidecar.await();
        }
    }

    private static void python(Path db, String statements) throws Exception {
        Process p = new ProcessBuilder("python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
                + statements, db.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }

    private static long maxTxid(FileReplica r) throws Exception {
        return r.listFiles().stream().mapToLong(f -> f.maxTxid()).max().orElse(0);
    }

    private static void sql(Path db, String statement) throws Exception {
        Process p = new ProcessBuilder("python3", "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()",
                db.toString(), statement).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }
}
