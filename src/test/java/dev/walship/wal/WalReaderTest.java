package dev.walship.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.wal.WalScan.StopReason;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Scans WALs written by python3's SQLite build and checks the result against what it committed. */
class WalReaderTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(ints = {1024, 65536})
    void findsExactlyTheCommittedTransactionsAndExcludesTheOpenOne(int pageSize) throws Exception {
        PyWal w = PyWal.write(tmp, pageSize, 6, 4, pageSize * 3 / 4, true);
        WalScan s = WalTestFiles.scanAll(w.wal());

        assertEquals(pageSize, s.header().pageSize());
        assertEquals(StopReason.END_OF_FILE, s.stop());
        // one transaction per python commit (CREATE TABLE + 6 inserts), sizes as python saw them
        assertEquals(w.pageCounts, s.txns().stream().map(CommittedTxn::dbSizeAfter).toList());
        long expectFirst = 1;
        for (CommittedTxn t : s.txns()) {
            assertEquals(expectFirst, t.firstFrame());
            assertEquals(t.frameCount(), t.shippedPages());
            expectFirst = t.commitFrame() + 1;
        }
        // the spilled, uncommitted transaction is in the file but not in the result
        long framesInFile = (Files.size(w.wal()) - 32) / (24 + pageSize);
        assertTrue(s.framesAfterLastCommit() > 0, "writer should have spilled uncommitted frames");
        assertEquals(framesInFile, s.end().frame() + s.framesAfterLastCommit());
        assertEquals(s.lastTxn().orElseThrow().commitFrame(), s.end().frame());
    }

    @Test
    void scanFromAMiddlePositionEqualsTheTailOfAFullScan() throws Exception {
        PyWal w = PyWal.write(tmp, 1024, 8, 3, 500, false);
        WalScan full = WalTestFiles.scanAll(w.wal());
        assertEquals(9, full.txns().size());
        try (FileChannel ch = WalTestFiles.open(w.wal())) {
            WalPosition start = WalPosition.start(full.header());
            for (int k = 0; k < full.txns().size(); k++) {
                WalPosition mid = WalReader.readFrames(ch, start, full.txns().get(k).commitFrame(), (i, p, c, b) -> { }, "w");
                WalScan tail = WalReader.scan(ch, mid, "w");
                assertEquals(full.txns().subList(k + 1, full.txns().size()), tail.txns());
                assertEquals(full.end(), tail.end());
                assertEquals(StopReason.END_OF_FILE, tail.stop());
            }
        }
    }

    @Test
    void readFramesDeliversTheVerifiedPagesAndTheyRebuildTheDatabase() throws Exception {
        PyWal w = PyWal.write(tmp, 1024, 5, 4, 800, true);
        WalScan s = WalTestFiles.scanAll(w.wal());
        byte[] raw = Files.readAllBytes(w.wal());
        WalTestFiles.Delivered got = new WalTestFiles.Delivered();
        WalPosition end;
        try (FileChannel ch = WalTestFiles.open(w.wal())) {
            end = WalReader.readFrames(ch, WalPosition.start(s.header()), s.end().frame(), got.consumer(), "w");
        }
        assertEquals(s.end(), end);
        assertEquals(s.end().frame(), got.index().size());
        for (int i = 0; i < got.index().size(); i++) {
            int off = WalBytes.frameOffset(raw, i + 1);
            assertEquals(i + 1, got.index().get(i));
            assertEquals(WalBytes.getInt(raw, off), got.pgno().get(i));
            assertEquals(WalBytes.getInt(raw, off + 4), got.commit().get(i));
            assertArrayEquals(Arrays.copyOfRange(raw, off + 24, off + 24 + 1024), got.pages().get(i));
        }
        // Apply the committed frames to the un-checkpointed database file: SQLite must accept the result.
        Path restored = Files.createDirectories(tmp.resolve("restored")).resolve("app.db");
        Files.copy(w.db(), restored);
        try (FileChannel db = FileChannel.open(restored, StandardOpenOption.WRITE)) {
            for (int i = 0; i < got.index().size(); i++) {
                db.write(ByteBuffer.wrap(got.pages().get(i)), (got.pgno().get(i) - 1) * 1024L);
            }
            db.truncate(s.lastTxn().orElseThrow().dbSizeAfter() * 1024);
        }
        assertEquals(List.of("ok"), PyWal.query(restored, "PRAGMA integrity_check"));
        assertEquals(List.of(Long.toString(w.rows)), PyWal.query(restored, "SELECT count(*) FROM t"));
    }

    @Test
    void readFramesThrowsNamingTheFrameWhenTheWalChangedBetweenPasses() throws Exception {
        PyWal w = PyWal.write(tmp, 1024, 3, 3, 500, false);
        WalScan s = WalTestFiles.scanAll(w.wal());
        long victim = s.txns().get(2).firstFrame();
        byte[] raw = Files.readAllBytes(w.wal());
        raw[WalBytes.frameOffset(raw, victim) + 24 + 100] ^= 1;
        Files.write(w.wal(), raw);
        WalTestFiles.Delivered got = new WalTestFiles.Delivered();
        try (FileChannel ch = WalTestFiles.open(w.wal())) {
            WalException e = assertThrows(WalException.class, () -> WalReader.readFrames(
                    ch, WalPosition.start(s.header()), s.end().frame(), got.consumer(), w.wal().toString()));
            assertTrue(e.getMessage().startsWith("read wal " + w.wal() + ": frame " + victim + " checksum mismatch"),
                    e.getMessage());
        }
        assertEquals(victim - 1, got.index().size(), "no frame at or after the damaged one is delivered");
    }

    @Test
    void readFramesThrowsWhenTheWalWasTruncatedOrResetBetweenPasses() throws Exception {
        PyWal w = PyWal.write(tmp, 1024, 3, 3, 500, false);
        WalScan s = WalTestFiles.scanAll(w.wal());
        byte[] raw = Files.readAllBytes(w.wal());
        WalPosition start = WalPosition.start(s.header());

        Files.write(w.wal(), Arrays.copyOf(raw, WalBytes.frameOffset(raw, 3)));
        try (FileChannel ch = WalTestFiles.open(w.wal())) {
            WalException e = assertThrows(WalException.class,
                    () -> WalReader.readFrames(ch, start, s.end().frame(), (i, p, c, b) -> { }, "w"));
            assertTrue(e.getMessage().contains("frame 3 missing"), e.getMessage());
        }
        byte[] reset = raw.clone();
        WalBytes.putInt(reset, WalBytes.frameOffset(raw, 2) + 12, 99);
        Files.write(w.wal(), reset);
        try (FileChannel ch = WalTestFiles.open(w.wal())) {
            WalException e = assertThrows(WalException.class,
                    () -> WalReader.readFrames(ch, start, s.end().frame(), (i, p, c, b) -> { }, "w"));
            assertTrue(e.getMessage().contains("frame 2 salt mismatch"), e.getMessage());
        }
    }

    @Test
    void bigEndianChecksumWalVerifiesAndSqliteAcceptsIt() throws Exception {
        PyWal w = PyWal.write(tmp, 1024, 4, 3, 500, false);
        WalScan little = WalTestFiles.scanAll(w.wal());
        byte[] be = WalBytes.rechecksum(Files.readAllBytes(w.wal()), true);
        assertEquals(WalHeader.MAGIC_BIG_ENDIAN, WalBytes.getInt(be, 0));
        Path dir = Files.createDirectories(tmp.resolve("be"));
        Files.write(dir.resolve("app.db-wal"), be);
        Files.copy(w.db(), dir.resolve("app.db"));
        WalScan big = WalTestFiles.scanAll(dir.resolve("app.db-wal"));
        assertTrue(big.header().bigEndianChecksums());
        assertEquals(little.txns(), big.txns());
        assertEquals(StopReason.END_OF_FILE, big.stop());
        // SQLite on this little-endian host honours the magic too: it recovers every committed row.
        assertEquals(List.of(Long.toString(w.rows)), PyWal.query(dir.resolve("app.db"), "SELECT count(*) FROM t"));
        // and a flipped bit is still caught under the big-endian algorithm
        be[WalBytes.frameOffset(be, 5) + 30] ^= 4;
        WalScan broken = WalTestFiles.scanAll(be, tmp);
        assertEquals(StopReason.CHECKSUM_MISMATCH, broken.stop());
        assertEquals(5, broken.stopFrame());
    }

    @Test
    void countsOnlyPagesWithinTheCommittedDatabaseSize() throws Exception {
        // Real SQLite: spill ~100 pages of a transaction, then delete everything with auto_vacuum so the
        // commit truncates the database to 3 pages; the spilled high pages must not count as shipped.
        String code = "import sqlite3,os,sys\nc=sqlite3.connect(sys.argv[1],isolation_level=None)\n"
                + "c.execute('PRAGMA page_size=1024');c.execute('PRAGMA auto_vacuum=FULL')\n"
                + "c.execute('PRAGMA journal_mode=WAL');c.execute('PRAGMA wal_autocheckpoint=0')\n"
                + "c.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)');c.execute('PRAGMA cache_size=2')\n"
                + "c.execute('BEGIN')\nfor i in range(100): c.execute('INSERT INTO t(v) VALUES (randomblob(900))')\n"
                + "c.execute('DELETE FROM t');c.execute('COMMIT')\nprint(c.execute('PRAGMA page_count').fetchone()[0],flush=True)\n"
                + "os._exit(0)\n";
        Path db = tmp.resolve("shrink.db");
        Process p = new ProcessBuilder("python3", "-c", code, db.toString()).redirectErrorStream(true).start();
        long pages = Long.parseLong(new String(p.getInputStream().readAllBytes()).trim());
        assertEquals(0, p.waitFor());
        WalScan s = WalTestFiles.scanAll(tmp.resolve("shrink.db-wal"));
        CommittedTxn t = s.lastTxn().orElseThrow();
        assertEquals(pages, t.dbSizeAfter());
        assertTrue(t.frameCount() > 50, "transaction should include spilled frames: " + t);
        long inRange = 0;
        byte[] raw = Files.readAllBytes(tmp.resolve("shrink.db-wal"));
        for (long f = t.firstFrame(); f <= t.commitFrame(); f++) {
            inRange += Integer.toUnsignedLong(WalBytes.getInt(raw, WalBytes.frameOffset(raw, f))) <= pages ? 1 : 0;
        }
        assertTrue(inRange < t.frameCount());
        assertEquals(inRange, t.shippedPages());
    }

    @Test
    void emptyShortAndOtherGenerationFiles() throws Exception {
        Path empty = Files.createFile(tmp.resolve("empty-wal"));
        try (FileChannel ch = WalTestFiles.open(empty)) {
            EmptyWalException e = assertThrows(EmptyWalException.class, () -> WalReader.readHeader(ch, empty.toString()));
            assertTrue(e.getMessage().startsWith("read wal " + empty + ": file is empty"), e.getMessage());
        }
        Path shortFile = Files.write(tmp.resolve("short-wal"), new byte[20]);
        try (FileChannel ch = WalTestFiles.open(shortFile)) {
            WalException e = assertThrows(WalException.class, () -> WalReader.readHeader(ch, "s"));
            assertTrue(!(e instanceof EmptyWalException) && e.getMessage().contains("20 bytes"), e.getMessage());
        }
        PyWal w = PyWal.write(Files.createDirectories(tmp.resolve("gen")), 1024, 2, 1, 10, false);
        WalScan s = WalTestFiles.scanAll(w.wal());
        WalPosition old = new WalPosition(s.header().salt1() - 1, s.header().salt2(), 0, 1024, 3, 1, 2, false);
        try (FileChannel ch = WalTestFiles.open(w.wal())) {
            WalScan other = WalReader.scan(ch, old, "w");
            assertEquals(StopReason.SALT_MISMATCH, other.stop());
            assertEquals(List.of(), other.txns());
            assertEquals(old, other.end());
        }
    }
}
