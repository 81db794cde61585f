package dev.walship.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The "new VM" story: {@code replicate --restore-if-missing} rebuilds a missing database, then replicates on. */
class RestoreIfMissingE2ETest {
    @TempDir
    Path dir;

    private static void python(Path db, String code) throws Exception {
        E2E.run(60, "python3", "-c", "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\n" + code + "\nc.commit()\n", db.toString());
    }

    @Test
    void aMissingDatabaseIsRestoredFromTheReplicaThenReplicationContinues() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica");
        python(db, "c.execute('pragma journal_mode=wal')\nc.execute('create table t(id integer primary key, v text)')\n"
                + "c.executemany('insert into t(v) values(?)', [('row%d' % i,) for i in range(2000)])");
        String before;
        try (WalshipProcess w = WalshipProcess.start(db, replica).awaitReplicating(30_000)) {
            python(db, "c.execute(\"update t set v = 'changed' where id % 7 = 0\")");
            before = E2E.check(db).checksum();
            E2E.sleep(500);
            assertEquals(0, w.term());
        }
        // the VM is gone: database, WAL and spool with it
        E2E.deleteTree(dir.resolve(".app.db-walship"));
        for (String s : new String[] {"", "-wal", "-shm"}) Files.deleteIfExists(dir.resolve("app.db" + s));

        try (WalshipProcess w = WalshipProcess.start(db, replica, "--restore-if-missing").awaitReplicating(30_000)) {
            assertTrue(w.count("database missing, restoring it") == 1, w.output());
            E2E.DbCheck restored = E2E.check(db);
            assertEquals(before, restored.checksum(), "the restored database is the last replicated state");
            assertEquals("ok", restored.integrity());
            python(db, "c.execute(\"insert into t(v) values ('after')\")");
            String after = E2E.check(db).checksum();
            E2E.sleep(600);
            assertEquals(0, w.term());
            Path latest = dir.resolve("latest.db");
            java.util.List<String> restore = E2E.javaCommand();
            restore.addAll(java.util.List.of("restore", "--replica", replica.toString(), "-o", latest.toString(), "-q"));
            E2E.run(60, restore.toArray(String[]::new));
            assertEquals(after, E2E.check(latest).checksum(), "replication went on from the restored database");
        }

        // an existing database is never touched
        String existing = E2E.check(db).checksum();
        try (WalshipProcess w = WalshipProcess.start(db, replica, "--restore-if-missing").awaitReplicating(30_000)) {
            assertEquals(0, w.count("database missing"));
            assertEquals(existing, E2E.check(db).checksum());
        }
    }

    @Test
    void withEmptyReplicasItWaitsForTheAppToCreateTheDatabase() throws Exception {
        Path db = dir.resolve("new.db");
        try (WalshipProcess w = WalshipProcess.start(db, dir.resolve("replica"), "--restore-if-missing")) {
            long deadline = System.currentTimeMillis() + 20_000;
            while (w.count("waiting for the app to create it") == 0 && System.currentTimeMillis() < deadline) E2E.sleep(50);
            assertEquals(1, w.count("waiting for the app to create it"), w.output());
            assertFalse(Files.exists(db));
            python(db, "c.execute('create table t(v)')");
            w.awaitReplicating(30_000);
        }
    }
}
