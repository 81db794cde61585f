package dev.walship.segment;

import com.dynatrace.hash4j.hashing.Hashing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DbChecksumTest {

    @TempDir
    Path dir;

    /** The formula of docs/FORMAT.md written out independently of DbChecksum. */
    private static long referencePageHash(long pgno, byte[] image) {
        long z = Hashing.xxh3_64().hashBytesToLong(image) + pgno * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static long referenceSum(byte[] db, int pageSize) {
        long sum = 0;
        for (int p = 1; p <= db.length / pageSize; p++) {
            sum += referencePageHash(p, Arrays.copyOfRange(db, (p - 1) * pageSize, p * pageSize));
        }
        return sum;
    }

    @Test
    void xxh3MatchesTheReferenceImplementation() {
        // XXH3_64bits("") with seed 0, from the xxHash reference test vectors
        assertEquals(0x2D06800538D394C2L, Hashing.xxh3_64().hashBytesToLong(new byte[0]));
        byte[] page = new byte[4096];
        new Random(1).nextBytes(page);
        assertEquals(referencePageHash(3, page), DbChecksum.pageHash(3, page, 0, 4096));
        byte[] shifted = new byte[4096 + 10];
        System.arraycopy(page, 0, shifted, 10, 4096);
        assertEquals(DbChecksum.pageHash(3, page, 0, 4096), DbChecksum.pageHash(3, shifted, 10, 4096));
        assertNotEquals(DbChecksum.pageHash(3, page, 0, 4096), DbChecksum.pageHash(4, page, 0, 4096));
    }

    @Test
    void matchesOfFileOnARealSqliteDatabaseAsItChanges() throws Exception {
        Path db = dir.resolve("app.db");
        python(db, "c.execute('PRAGMA page_size=4096'); c.execute('PRAGMA journal_mode=DELETE');"
                + "c.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)');"
                + "c.executemany('INSERT INTO t(v) VALUES (randomblob(?))', [(300 + i % 700,) for i in range(600)])");
        byte[] before = Files.readAllBytes(db);
        assertTrue(before.length >= 40 * 4096, "database has " + before.length + " bytes");

        // applying every page of the file to an empty checksum gives ofFile and the reference sum
        DbChecksum applied = new DbChecksum(4096);
        applied.resize(before.length / 4096);
        for (int p = 1; p <= applied.dbSize(); p++) applied.setPage(p, before, (p - 1) * 4096);
        DbChecksum whole = DbChecksum.ofFile(db, 4096);
        assertEquals(whole.value(), applied.value());
        assertEquals(referenceSum(before, 4096), whole.value());
        assertEquals(before.length / 4096, whole.dbSize());

        // the app deletes most rows and vacuums: apply only the pages that differ, and the new size
        python(db, "c.execute('DELETE FROM t WHERE id % 3 != 0'); c.commit(); c.execute('VACUUM')");
        byte[] after = Files.readAllBytes(db);
        assertTrue(after.length < before.length, "vacuum shrank the file");
        DbChecksum incremental = whole.copy();
        incremental.resize(after.length / 4096);
        for (int p = 1; p <= incremental.dbSize(); p++) {
            int off = (p - 1) * 4096;
            if (!Arrays.equals(before, off, off + 4096, after, off, off + 4096)) incremental.setPage(p, after, off);
        }
        assertEquals(DbChecksum.ofFile(db, 4096).value(), incremental.value());
        assertEquals(referenceSum(after, 4096), incremental.value());
        assertEquals(referenceSum(before, 4096), whole.value(), "copy() is independent of the original");

        // the same database shipped as a snapshot file and applied by a reader proves its checksum
        Fixtures.Txn snap = new Fixtures.Txn(new TxnHeader(9, 9, after.length / 4096, after.length / 4096),
                java.util.stream.IntStream.rangeClosed(1, after.length / 4096).mapToObj(p -> new Fixtures.Page(p,
                        Arrays.copyOfRange(after, (p - 1) * 4096, p * 4096))).toList(), incremental.value());
        Fixtures.ReadResult r = Fixtures.read(Fixtures.write(SegmentHeader.snapshot(true, 4096, 9, 9),
                java.util.List.of(snap)), "snap", null);
        assertNull(r.failure());
        DbChecksum restored = new DbChecksum(4096);
        restored.resize(r.txns().get(0).header().dbSize());
        for (Fixtures.Page p : r.txns().get(0).pages()) restored.setPage(p.pgno(), p.image(), 0);
        assertEquals(r.txns().get(0).dbChecksum(), restored.value());
    }

    @Test
    void resizeAddsZeroPagesAndDropsRemovedOnes() throws IOException {
        DbChecksum c = new DbChecksum(512);
        assertEquals(0L, c.value());
        c.resize(3);
        assertEquals(referenceSum(new byte[3 * 512], 512), c.value(), "new pages are all-zero images");
        byte[] page = new byte[512];
        page[7] = 1;
        c.setPage(3, page, 0);
        c.setPage(2, page, 0);
        c.resize(2); // page 3 ceases to exist
        byte[] expected = new byte[2 * 512];
        expected[512 + 7] = 1;
        assertEquals(referenceSum(expected, 512), c.value());
        c.resize(4); // pages 3 and 4 come back zero-filled, not with the old page 3
        expected = Arrays.copyOf(expected, 4 * 512);
        assertEquals(referenceSum(expected, 512), c.value());
        c.resize(0);
        assertEquals(0L, c.value());
        c.resize(100_000); // growth far beyond the initial table
        assertEquals(100_000, c.dbSize());
        assertThrows(IllegalArgumentException.class, () -> c.setPage(100_001, page, 0));
        assertThrows(IllegalArgumentException.class, () -> c.setPage(0, page, 0));
        assertThrows(IllegalArgumentException.class, () -> c.resize(-1));
        assertThrows(IllegalArgumentException.class, () -> new DbChecksum(1000));

        Path file = dir.resolve("odd.db");
        Files.write(file, new byte[513]);
        assertThrows(IOException.class, () -> DbChecksum.ofFile(file, 512));
    }

    @Test
    void saveAndLoadRoundTrip() throws IOException {
        DbChecksum c = new DbChecksum(1024);
        c.resize(5000);
        Random rnd = new Random(3);
        byte[] page = new byte[1024];
        for (int i = 0; i < 300; i++) {
            rnd.nextBytes(page);
            c.setPage(1 + rnd.nextInt(5000), page, 0);
        }
        Path file = dir.resolve("state.sum");
        c.save(file);
        c.save(file); // overwriting an existing state works
        DbChecksum loaded = DbChecksum.load(file);
        assertEquals(c.value(), loaded.value());
        assertEquals(5000, loaded.dbSize());
        assertEquals(1024, loaded.pageSize());
        assertEquals(28 + 8 * 5000 + 4, Files.size(file));
        assertTrue(Files.notExists(dir.resolve("state.sum.tmp")));
        // the loaded state keeps working incrementally exactly like the original
        rnd.nextBytes(page);
        c.setPage(17, page, 0);
        loaded.setPage(17, page, 0);
        c.resize(4000);
        loaded.resize(4000);
        assertEquals(c.value(), loaded.value());

        DbChecksum empty = new DbChecksum(512);
        empty.save(file);
        assertEquals(0, DbChecksum.load(file).dbSize());
    }

    @Test
    void loadOfACorruptedStateFailsCleanly() throws IOException {
        DbChecksum c = new DbChecksum(4096);
        c.resize(50);
        Path file = dir.resolve("state.sum");
        c.save(file);
        byte[] good = Files.readAllBytes(file);
        Random rnd = new Random(5);
        for (int i = 0; i < 200; i++) {
            byte[] bad = good.clone();
            int bit = rnd.nextInt(bad.length * 8);
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            Files.write(file, bad);
            IOException e = assertThrows(IOException.class, () -> DbChecksum.load(file), "bit " + bit);
            assertTrue(e instanceof CorruptFileException || e instanceof UnsupportedFormatException, e.toString());
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        }
        for (int len : new int[] {0, 5, 28, 100, good.length - 1}) {
            Files.write(file, Arrays.copyOf(good, len));
            assertThrows(CorruptFileException.class, () -> DbChecksum.load(file), "length " + len);
        }
        // a huge page count in the header must not be believed (no allocation from it)
        byte[] huge = good.clone();
        java.nio.ByteBuffer.wrap(huge).putInt(16, Integer.MAX_VALUE);
        Files.write(file, huge);
        assertThrows(CorruptFileException.class, () -> DbChecksum.load(file));
    }

    private static void python(Path db, String body) throws Exception {
        String script = "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\n" + String.join("\n", Arrays.stream(body.split(";")).map(String::strip).toList())
                + "\nc.commit()\nc.close()\n";
        Process p = new ProcessBuilder("python3", "-c", script, db.toString()).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python3 finished");
        assertEquals(0, p.exitValue(), "python3 failed: " + out);
    }
}
