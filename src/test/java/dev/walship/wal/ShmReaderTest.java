package dev.walship.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShmReaderTest {
    @TempDir
    Path tmp;

    @Test
    void agreesWithTheWalWrittenByALivePythonProcess() throws Exception {
        try (PyWal w = PyWal.writeAndWait(tmp, 65536, 3, 2, 5000)) {
            WalScan s = WalTestFiles.scanAll(w.wal());
            // Our channel is closed while the writer lives; that is safe only because it is another process.
            ShmInfo info;
            try (FileChannel shm = WalTestFiles.open(w.shm())) {
                info = ShmReader.read(shm).orElseThrow();
            }
            assertMatches(s, info);
            assertEquals(65536, info.pageSize(), "szPage 1 in the -shm decodes to 65536");
            assertEquals(w.pageCounts.get(w.pageCounts.size() - 1).longValue(), info.nPage());
        }
    }

    @Test
    void agreesWithTheWalWrittenBySqliteJdbcInThisProcess() throws Exception {
        Path db = tmp.resolve("j.db");
        FileChannel shm = null;
        FileChannel wal = null;
        try {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
                st.execute("PRAGMA page_size=4096");
                st.execute("PRAGMA journal_mode=WAL");
                st.execute("PRAGMA wal_autocheckpoint=0");
                st.execute("CREATE TABLE t(v)");
                for (int i = 0; i < 5; i++) {
                    st.execute("INSERT INTO t VALUES (randomblob(3000))");
                }
                // Opened while the connection is live, and closed only after it (see finally): closing
                // a descriptor of the -shm would drop this process's SQLite locks.
                shm = WalTestFiles.open(Path.of(db + "-shm"));
                wal = WalTestFiles.open(Path.of(db + "-wal"));
                WalScan s = WalReader.scan(wal, WalPosition.start(WalReader.readHeader(wal, "j")), "j");
                ShmInfo info = ShmReader.read(shm).orElseThrow();
                assertEquals(6, s.txns().size());
                assertMatches(s, info);
                assertEquals(4096, info.pageSize());
            }
        } finally {
            if (shm != null) {
                shm.close();
            }
            if (wal != null) {
                wal.close();
            }
        }
    }

    @Test
    void shortFileIsEmpty() throws Exception {
        Path f = Files.write(tmp.resolve("x-shm"), new byte[100]);
        try (FileChannel ch = WalTestFiles.open(f)) {
            assertEquals(Optional.empty(), ShmReader.read(ch));
        }
    }

    @Test
    void differingCopiesAreReportedUnstable() throws Exception {
        PyWal w = PyWal.write(tmp, 1024, 2, 1, 10, false);
        byte[] raw = Files.readAllBytes(w.shm());
        assertTrue(ShmReader.parse(raw).stable());
        raw[48 + 16] ^= 1; // second copy's mxFrame differs: a writer was mid-update
        assertFalse(ShmReader.parse(raw).stable());
        byte[] badCk = Files.readAllBytes(w.shm());
        badCk[20] ^= 1; // nPage changed in both copies without the header checksum
        badCk[48 + 20] ^= 1;
        assertFalse(ShmReader.parse(badCk).stable());
    }

    private static void assertMatches(WalScan s, ShmInfo info) {
        assertTrue(info.stable());
        assertTrue(info.initialized());
        assertEquals(WalHeader.FORMAT_VERSION, info.version());
        assertFalse(info.bigEndianChecksums());
        assertTrue(info.matches(s.header()), "salts in the -shm equal the WAL header's");
        assertEquals(s.lastTxn().orElseThrow().commitFrame(), info.mxFrame());
        assertEquals(s.end().frame(), info.mxFrame());
        assertEquals(s.end().checksum1(), info.frameChecksum1());
        assertEquals(s.end().checksum2(), info.frameChecksum2());
        assertEquals(s.lastTxn().orElseThrow().dbSizeAfter(), info.nPage());
        assertEquals(s.header().pageSize(), info.pageSize());
        assertEquals(0, info.nBackfill(), "no checkpoint has run");
        assertEquals(5, info.readMarks().size());
        assertTrue(info.change() > 0);
    }
}
