package dev.walship.db;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.replica.ReplicaSync;
import dev.walship.replica.file.FileReplica;
import dev.walship.restore.RestorePlan;
import dev.walship.restore.RestorePlanner;
import dev.walship.restore.RestoreResult;
import dev.walship.restore.RestoreTarget;
import dev.walship.restore.Restorer;
import dev.walship.retention.Retention;
import dev.walship.wal.WalHeader;
import dev.walship.wal.WalPosition;
import dev.walship.wal.WalReader;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives the follower in-process against a python3 writer (another process, another SQLite build)
 * and checks the properties the design promises: walship's own checkpoints restart the WAL without
 * a snapshot, an app checkpoint behind its back is either followed or answered with a snapshot, and
 * the replica restores byte-for-byte to the source.
 */
class DatabaseFollowerTest {
    @TempDir
    Path dir;

    private static final String WRITER = String.join("\n",
            "import sqlite3, sys, time, random",
            "db, n, ckpt_every, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]",
            "c = sqlite3.connect(db, isolation_level=None)",
            "c.execute('PRAGMA journal_mode=WAL')",
            "c.execute('create table if not exists t(id integer primary key, v blob)')",
            "r = random.Random(7)",
            "for i in range(n):",
            "    c.execute('begin')",
            "    c.execute('insert into t(v) values(?)', (r.randbytes(300),))",
            "    c.execute('update t set v=? where id=?', (r.randbytes(200), r.randint(1, i + 1)))",
            "    c.execute('commit')",
            "    if ckpt_every and i % ckpt_every == ckpt_every - 1:",
            "        c.execute('PRAGMA wal_checkpoint(' + mode + ')').fetchall()",
            "    time.sleep(0.002)",
            "");

    private Process startWriter(Path db, int commits, int checkpointEvery, String mode) throws IOException {
        Path script = dir.resolve("writer.py");
        Files.writeString(script, WRITER);
        return new ProcessBuilder("python3", script.toString(), db.toString(), String.valueOf(commits),
                String.valueOf(checkpointEvery), mode).redirectErrorStream(true)
                .redirectOutput(dir.resolve("writer.log").toFile()).start();
    }

    private void createDb(Path db) throws Exception {
        Process p = new ProcessBuilder("python3", "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA journal_mode=WAL');"
                        + " c.execute('create table t(id integer primary key, v blob)'); c.commit(); c.close()",
                db.toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
    }

    private DatabaseFollower follower(Path db, Spool spool, long checkpointPages) throws IOException {
        return DatabaseFollower.start(new DatabaseFollower.Settings(db, "t", Duration.ofHours(24), checkpointPages,
                64L << 20, Duration.ofMillis(100)), spool, 0, Clock.systemUTC());
    }

    /** Runs the follower until the writer exits, then a final step, and uploads everything. */
    private void follow(DatabaseFollower f, Process writer, ReplicaSync rs) throws Exception {
        while (writer.isAlive()) {
            f.step();
            assertTrue(rs.uploadPending(), () -> "upload failed: " + rs.lastError());
            Thread.sleep(20);
        }
        assertEquals(0, writer.exitValue(), () -> readLog());
        f.finalSync();
        assertTrue(rs.uploadPending());
    }

    private String readLog() {
        try {
            return Files.readString(dir.resolve("writer.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private byte[] restoreLatest(FileReplica replica, Path out) throws IOException {
        RestorePlan plan = RestorePlanner.plan(replica.listFiles(), new RestoreTarget.Latest(), System.currentTimeMillis());
        RestoreResult r = Restorer.restore(replica, plan, new Restorer.Options(out, false, Restorer.IntegrityCheck.FULL, null));
        assertTrue(r.txid() > 0);
        return Files.readAllBytes(out);
    }

    /** The source's logical content as the other SQLite build sees it, after a full checkpoint. */
    private byte[] checkpointedSource(Path db) throws Exception {
        Path copy = dir.resolve("source-copy.db");
        Process p = new ProcessBuilder("python3", "-c",
                "import sqlite3,sys; s=sqlite3.connect(sys.argv[1]); d=sqlite3.connect(sys.argv[2]);"
                        + " s.backup(d); d.close(); s.close()", db.toString(), copy.toString()).inheritIO().start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return Files.readAllBytes(copy);
    }

    /** A database made by python3, its spool, a file replica and the replica's upload loop. */
    private record Fixture(Path db, Spool spool, FileReplica replica, ReplicaSync rs) {}

    private Fixture fixture(Path base) throws Exception {
        Path db = base.resolve("app.db");
        createDb(db);
        Spool spool = new Spool(base.resolve("spool"));
        FileReplica replica = new FileReplica(base.resolve("replica"));
        return new Fixture(db, spool, replica, sync(replica, spool));
    }

    private static ReplicaSync sync(FileReplica replica, Spool spool) throws IOException {
        return ReplicaSync.open("t", replica, spool, new ReplicaSync.Policy(60_000, 3_600_000,
                new Retention.Policy(72 * 3_600_000L, 3_600_000L, 24 * 3_600_000L)), Clock.systemUTC());
    }

    @Test
    void ownCheckpointsRestartTheWalWithoutASnapshot() throws Exception {
        Fixture fx = fixture(dir);
        try (DatabaseFollower f = follower(fx.db(), fx.spool(), 40)) {
            Process w = startWriter(fx.db(), 1500, 0, "PASSIVE");
            follow(f, w, fx.rs());
            FollowerMetrics m = f.metrics();
            assertTrue(m.checkpoints.get() >= 5, "walship checkpointed " + m.checkpoints.get() + " times");
            assertEquals(0, m.breaks.get(), "every WAL restart after walship's own checkpoint must be followed");
            assertEquals(1, m.snapshots.get(), "only the initial snapshot");
            assertTrue(Files.size(DbFiles.wal(fx.db())) < 2L << 20, "WAL stays bounded: " + Files.size(DbFiles.wal(fx.db())));
            assertEquals(1501, f.lastTxid(), "one txid per commit after the initial snapshot");
        }
        assertRestoreEqualsSource(fx.db(), fx.replica());
    }

    @Test
    void appCheckpointsBehindItsBackNeverCorruptTheReplica() throws Exception {
        for (String mode : List.of("TRUNCATE", "RESTART")) {
            Fixture fx = fixture(Files.createDirectories(dir.resolve(mode)));
            Path db = fx.db();
            Spool spool = fx.spool();
            FileReplica replica = fx.replica();
            ReplicaSync rs = fx.rs();
            try (DatabaseFollower f = follower(db, spool, 1000)) {
                Process w = startWriter(db, 600, 25, mode);
                follow(f, w, rs);
            }
            assertRestoreEqualsSource(db, replica);
        }
    }

    @Test
    void resumesAfterRestartWithoutSnapshot() throws Exception {
        Fixture fx = fixture(dir);
        long first;
        try (DatabaseFollower f = follower(fx.db(), fx.spool(), 1000)) {
            follow(f, startWriter(fx.db(), 200, 0, "PASSIVE"), fx.rs());
            first = f.lastTxid();
        }
        try (DatabaseFollower f = follower(fx.db(), fx.spool(), 1000)) {
            assertEquals(0, f.metrics().snapshots.get(), "a clean restart resumes from the fx.spool()");
            follow(f, startWriter(fx.db(), 200, 0, "PASSIVE"), fx.rs());
            assertEquals(first + 200, f.lastTxid());
        }
        assertRestoreEqualsSource(fx.db(), fx.replica());
    }

    /**
     * Found by the soak: walship saves its position at the start of a WAL generation (frame 0) when it
     * followed a restart before the generation's first commit. Stopped there, with the app committing,
     * checkpointing and closing (the WAL is then empty), a restart must still notice that the database
     * file moved on, instead of resuming as if nothing had been committed.
     */
    @Test
    void commitsMadeWhileStoppedAtAGenerationStartAreNotMissedWhenTheWalIsGone() throws Exception {
        Fixture fx = fixture(dir);
        WalHeader h;
        try (DatabaseFollower f = follower(fx.db(), fx.spool(), 1000)) {
            follow(f, startWriter(fx.db(), 100, 0, "PASSIVE"), fx.rs());
            try (FileChannel wal = FileChannel.open(DbFiles.wal(fx.db()))) {
                h = WalReader.readHeader(wal, "wal");
            }
        }
        long shipped = fx.spool().loadState().lastTxid();
        // The state walship saves when it is at the start of a generation and everything before it is
        // checkpointed into the database file.
        python(fx.db(), "c.execute('PRAGMA wal_checkpoint(TRUNCATE)').fetchall()");
        fx.spool().saveState(fx.spool().loadState().withPosition(WalPosition.start(h)));
        // While walship is stopped the app commits more, checkpoints everything and its WAL is emptied.
        Process w = startWriter(fx.db(), 100, 100, "TRUNCATE");
        assertTrue(w.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, w.exitValue(), () -> readLog());
        try (DatabaseFollower f = follower(fx.db(), fx.spool(), 1000)) {
            assertEquals(1, f.metrics().snapshots.get(), "the changed database file must be answered with a snapshot");
            assertEquals(shipped + 1, f.lastTxid());
            f.finalSync();
            assertTrue(fx.rs().uploadPending());
        }
        assertRestoreEqualsSource(fx.db(), fx.replica());
    }

    private void python(Path db, String statements) throws Exception {
        Process p = new ProcessBuilder("python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1],"
                + " isolation_level=None); " + statements + "; c.close()", db.toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
    }

    @Test
    void aCheckpointCopiesTheNewCommitsInTheSameSegmentAndItsRestartIsFollowed() throws Exception {
        Fixture fx = fixture(dir);
        String batch = "[c.execute('insert into t(v) values(randomblob(3000))') for _ in range(30)]";
        try (DatabaseFollower f = follower(fx.db(), fx.spool(), 20)) {
            python(fx.db(), batch); // 30 commits, more frames than checkpoint-pages
            f.step();
            long segments = f.metrics().syncs.get();
            long checkpoints = f.metrics().checkpoints.get();
            assertEquals(0, checkpoints, "the step that finds the WAL past the limit copies without the write lock");
            python(fx.db(), batch);
            f.step(); // past the limit since the last step: copy the new commits and checkpoint in one go
            assertEquals(segments + 1, f.metrics().syncs.get(), "one segment (one PUT) for the step that checkpointed");
            assertEquals(checkpoints + 1, f.metrics().checkpoints.get());
            python(fx.db(), batch); // the app's next writer restarts the checkpointed WAL
            f.step();
            assertEquals(0, f.metrics().breaks.get(), "the restart after walship's checkpoint is followed");
            assertEquals(1, f.metrics().snapshots.get(), "only the initial snapshot");
            assertEquals(91, f.lastTxid(), "every commit shipped once");
            f.finalSync();
            assertTrue(fx.rs().uploadPending());
        }
        assertRestoreEqualsSource(fx.db(), fx.replica());
    }

    @Test
    void databaseReplacedUnderneathIsAnsweredWithASnapshotOfTheNewFile() throws Exception {
        Fixture fx = fixture(dir);
        try (DatabaseFollower f = follower(fx.db(), fx.spool(), 1000)) {
            follow(f, startWriter(fx.db(), 100, 0, "PASSIVE"), fx.rs());
            // Another database is moved over the file (a restore done by hand, a deploy that ships a fx.db()).
            Path other = dir.resolve("other.fx.db()");
            createDb(other);
            follow(f, startWriter(other, 30, 0, "PASSIVE"), fx.rs());
            Files.deleteIfExists(DbFiles.wal(other));
            Files.deleteIfExists(DbFiles.shm(other));
            Files.move(other, fx.db(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            long before = f.metrics().snapshots.get();
            f.step();
            assertEquals(before + 1, f.metrics().snapshots.get(), "a replaced database needs a fresh snapshot");
            follow(f, startWriter(fx.db(), 50, 0, "PASSIVE"), fx.rs());
        }
        assertRestoreEqualsSource(fx.db(), fx.replica());
    }

    @Test
    void pageSizeChangedWhileStoppedIsAnsweredWithASnapshot() throws Exception {
        Fixture fx = fixture(dir);
        try (DatabaseFollower f = follower(fx.db(), fx.spool(), 1000)) {
            follow(f, startWriter(fx.db(), 100, 0, "PASSIVE"), fx.rs());
        }
        Process p = new ProcessBuilder("python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1],"
                + " isolation_level=None); c.execute('PRAGMA journal_mode=DELETE'); c.execute('PRAGMA page_size=8192');"
                + " c.execute('VACUUM'); c.execute('PRAGMA journal_mode=WAL'); c.close()", fx.db().toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
        try (DatabaseFollower f = follower(fx.db(), fx.spool(), 1000)) {
            assertEquals(1, f.metrics().snapshots.get(), "new page size, new snapshot");
            follow(f, startWriter(fx.db(), 50, 0, "PASSIVE"), fx.rs());
        }
        assertRestoreEqualsSource(fx.db(), fx.replica());
    }

    @Test
    void aCorruptCommittedFrameIsNotShippedAndIsReported() throws Exception {
        Fixture fx = fixture(dir);
        try (DatabaseFollower f = follower(fx.db(), fx.spool(), 100_000)) {
            follow(f, startWriter(fx.db(), 20, 0, "PASSIVE"), fx.rs());
            assertEquals(21, f.lastTxid());
        }
        // walship restarts; a writer appends frames and one byte of the first new frame rots before walship reads it.
        try (DatabaseFollower f = follower(fx.db(), fx.spool(), 100_000)) {
            long before = f.lastTxid();
            long walLength = Files.size(DbFiles.wal(fx.db()));
            Process w = startWriter(fx.db(), 5, 0, "PASSIVE");
            assertEquals(0, w.waitFor());
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(DbFiles.wal(fx.db()),
                    java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
                long at = walLength + 24 + 100; // inside the page of the first new frame
                ch.read(b, at);
                b.put(0, (byte) (b.get(0) ^ 0x40));
                b.rewind();
                ch.write(b, at);
            }
            f.step();
            assertEquals(before, f.lastTxid(), "nothing at or after the corrupt frame is shipped");
            assertTrue(f.metrics().corruptFrames.get() > 0, "the corrupt frame is reported");
        }
    }

    @Test
    void aFullSpoolPausesCopyingAndLosesNothing() throws Exception {
        Fixture fx = fixture(dir);
        // A one-byte bound: any file waiting for a replica fills the spool.
        try (DatabaseFollower f = DatabaseFollower.start(new DatabaseFollower.Settings(fx.db(), "t", Duration.ofHours(24),
                1000, 64L << 20, Duration.ofMillis(100), 1), fx.spool(), 0, Clock.systemUTC())) {
            Process w = startWriter(fx.db(), 200, 0, "PASSIVE");
            while (w.isAlive()) {
                f.step();
                Thread.sleep(20);
            }
            f.step();
            assertTrue(f.isSpoolFull(), "the initial snapshot waits in the spool");
            assertEquals(1, f.lastTxid(), "nothing is copied while the spool is full");
            assertEquals(1, f.metrics().spoolFull.get());
            // The replica comes back: uploads drain the spool, and copying resumes from the WAL.
            assertTrue(fx.rs().uploadPending());
            for (Spool.Pending p : fx.spool().pending()) fx.spool().remove(p);
            f.step();
            assertTrue(!f.isSpoolFull());
            assertEquals(201, f.lastTxid(), "every commit made while paused is copied from the WAL");
            assertTrue(fx.rs().uploadPending());
        }
        assertRestoreEqualsSource(fx.db(), fx.replica());
    }

    private void assertRestoreEqualsSource(Path db, FileReplica replica) throws Exception {
        Path out = db.resolveSibling("restored.db");
        Files.deleteIfExists(out);
        byte[] restored = restoreLatest(replica, out);
        byte[] source = checkpointedSource(db);
        // The backup API rewrites a few header fields (change counter, schema cookie); compare the pages
        // after page 1 byte for byte and page 1 past its 100-byte header.
        assertEquals(source.length, restored.length, "database size");
        int pageSize = ((source[16] & 0xff) << 8 | (source[17] & 0xff));
        if (pageSize == 1) pageSize = 65536;
        assertArrayEquals(java.util.Arrays.copyOfRange(source, 100, source.length),
                java.util.Arrays.copyOfRange(restored, 100, restored.length), "page content");
        assertTrue(pageSize >= 512);
    }
}
