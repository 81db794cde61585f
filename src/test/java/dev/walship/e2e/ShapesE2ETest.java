package dev.walship.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Database shapes: page sizes, a VACUUM that shrinks the file, one transaction with > 100 MB of WAL. */
@Timeout(240)
class ShapesE2ETest {
    @TempDir
    Path dir;

    private Path db;
    private Path replica;

    private Writer init(String... firstCommitOptions) throws Exception {
        db = dir.resolve("app.db");
        replica = dir.resolve("backup");
        Writer w = new Writer(db);
        w.run(firstCommitOptions);
        return w;
    }

    /** Restores every txid of the window and asserts they are every writer commit, one by one, in order. */
    private static void assertEveryCommitIsARestorePoint(Writer w, RestoreCheck rc) throws Exception {
        RestoreCheck.Window win = rc.window();
        List<Writer.Commit> commits = w.commits();
        List<Integer> seqs = rc.assertTxids(commits,
                LongStream.rangeClosed(win.earliestTxid(), win.latestTxid()).boxed().toList(), win.snapshotTxids());
        assertEquals(w.last().seq(), seqs.get(seqs.size() - 1), "latest txid is not the last commit: " + seqs);
        for (int i = 1; i < seqs.size(); i++) {
            assertEquals(seqs.get(i - 1) + 1, seqs.get(i), "commits skipped between txids: " + seqs);
        }
    }

    @ParameterizedTest(name = "page size {0}")
    @ValueSource(ints = {1024, 4096, 65536})
    void pageSizes(int pageSize) throws Exception {
        try (Writer w = init("--count", "1", "--page-size", "" + pageSize);
                WalshipProcess ws = WalshipProcess.start(db, replica).awaitReplicating(30_000)) {
            w.run("--count", "120", "--sleep-ms", "3", "--blob", "" + Math.min(3000, pageSize));
            E2E.sleep(500);
            assertEquals(0, ws.term(), () -> E2E.tail(ws.log, 20));
            RestoreCheck rc = new RestoreCheck(replica, dir.resolve("restores")).describedBy(w);
            rc.assertLatest(w.last().checksum());
            Path latest = rc.restore();
            assertEquals(pageSize, pageSizeOf(latest), "restored page size");
            assertEveryCommitIsARestorePoint(w, rc);
        }
    }

    @Test
    void vacuumThatShrinksTheFile() throws Exception {
        try (Writer w = init("--count", "1");
                WalshipProcess ws = WalshipProcess.start(db, replica).awaitReplicating(30_000)) {
            w.run("--count", "100", "--sleep-ms", "3", "--blob", "3000", "--max-rows", "100000");
            int beforeShrink = w.last().seq();
            long bigSize = Files.size(db) + Files.size(db.resolveSibling("app.db-wal"));
            w.run("--shrink", "--count", "40", "--sleep-ms", "3", "--blob", "100");
            E2E.sleep(500);
            assertEquals(0, ws.term(), () -> E2E.tail(ws.log, 20));

            RestoreCheck rc = new RestoreCheck(replica, dir.resolve("restores")).describedBy(w);
            rc.assertLatest(w.last().checksum());
            assertEveryCommitIsARestorePoint(w, rc);
            // the restored file really shrank
            long pagesBefore = pagesOf(rc.restore("--txid", "" + txidOf(rc, w, beforeShrink)));
            long pagesAfter = pagesOf(rc.restore());
            assertTrue(pagesAfter * 3 < pagesBefore, "VACUUM did not shrink the restore: " + pagesBefore + " -> "
                    + pagesAfter + " pages (source had " + bigSize + " bytes)");
        }
    }

    @Test
    void oneTransactionWithMoreThan100MbOfWal() throws Exception {
        try (Writer w = init("--count", "1");
                WalshipProcess ws = WalshipProcess.startWithJvm(List.of("-Xmx256m"), db, replica)
                        .awaitReplicating(30_000)) {
            w.run("--huge-rows", "30000", "--count", "2", "--sleep-ms", "3");
            long wal = Files.size(db.resolveSibling("app.db-wal"));
            assertTrue(wal > 100L * 1024 * 1024, "the huge transaction made only " + wal + " bytes of WAL");
            E2E.sleep(1_000);
            assertTrue(ws.isAlive(), () -> "walship died on a big transaction:\n" + E2E.tail(ws.log, 30));
            assertEquals(0, ws.term(), () -> E2E.tail(ws.log, 20));
            RestoreCheck rc = new RestoreCheck(replica, dir.resolve("restores")).describedBy(w);
            rc.assertLatest(w.last().checksum());
            List<Writer.Commit> commits = w.commits();
            RestoreCheck.Window win = rc.window();
            // the state right after the huge transaction is a restore point of its own
            rc.assertTxids(commits, LongStream.rangeClosed(win.latestTxid() - 2, win.latestTxid()).boxed().toList(),
                    win.snapshotTxids());
        }
    }

    private static long txidOf(RestoreCheck rc, Writer w, int seq) throws Exception {
        RestoreCheck.Window win = rc.window();
        String want = w.commits().get(seq).checksum();
        for (long x = win.latestTxid(); x >= win.earliestTxid(); x--) {
            Path p = rc.restore("--txid", "" + x);
            boolean hit = E2E.check(p).checksum().equals(want);
            Files.delete(p);
            if (hit) return x;
        }
        throw new AssertionError("no txid holds writer state " + seq);
    }

    private static int pageSizeOf(Path db) throws Exception {
        byte[] h = new byte[100];
        try (var in = Files.newInputStream(db)) {
            assertEquals(100, in.readNBytes(h, 0, 100));
        }
        int v = ((h[16] & 0xff) << 8) | (h[17] & 0xff);
        return v == 1 ? 65536 : v;
    }

    private static long pagesOf(Path db) throws Exception {
        return Files.size(db) / pageSizeOf(db);
    }
}
