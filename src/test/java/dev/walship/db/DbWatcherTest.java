package dev.walship.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the follower's file watch reports: writes to the database's own files, nothing else. */
class DbWatcherTest {
    @TempDir
    Path dir;

    @Test
    void countsCommitsCheckpointsAndAReplacedDatabaseAndStopsWhenClosed() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("data"));
        Path db = Files.write(sub.resolve("app.db"), new byte[] {1});
        Path wal = Files.write(sub.resolve("app.db-wal"), new byte[] {1});
        AtomicInteger calls = new AtomicInteger();
        DbWatcher w = new DbWatcher(db, calls::incrementAndGet);
        try {
            Files.write(sub.resolve("app.log"), new byte[] {1}); // the app's log next to the database: not a change
            Files.write(sub.resolve("app.dbx"), new byte[] {1});
            Files.write(wal, new byte[] {2}, StandardOpenOption.APPEND); // a commit
            awaitTrue(() -> w.changes() >= 1);
            long afterWal = w.changes();
            assertTrue(calls.get() >= 1, "the callback ran");

            Files.write(db, new byte[] {2}, StandardOpenOption.APPEND); // a checkpoint
            awaitTrue(() -> w.changes() > afterWal);
            long afterDb = w.changes();
            Path moved = Files.write(sub.resolve("restored.tmp"), new byte[] {3});
            Files.move(moved, db, java.nio.file.StandardCopyOption.REPLACE_EXISTING); // a replaced database
            awaitTrue(() -> w.changes() > afterDb);
            assertTrue(w.working());
        } finally {
            w.close();
        }
        assertFalse(w.working());
    }

    @Test
    void unrelatedFilesAloneAreNoChange() throws Exception {
        Path db = Files.write(dir.resolve("app.db"), new byte[] {1});
        Path shm = Files.write(dir.resolve("app.db-shm"), new byte[] {1});
        DbWatcher w = new DbWatcher(db, () -> { });
        try {
            Files.write(dir.resolve("other.txt"), new byte[] {1});
            Files.createDirectory(dir.resolve(".app.db-walship")); // walship's own spool
            // a marker written last: once its change is seen, the earlier events were all delivered
            Files.write(shm, new byte[] {2}, StandardOpenOption.APPEND); // one write, one event
            awaitTrue(() -> w.changes() >= 1);
            assertEquals(1, w.changes(), "only the -shm write counted");
        } finally {
            w.close();
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier c) throws InterruptedException {
        long end = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < end && !c.getAsBoolean()) Thread.sleep(10);
        assertTrue(c.getAsBoolean(), "condition not met within 10 s");
    }
}
