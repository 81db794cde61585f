package dev.walship.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.wal.WalScan.StopReason;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks the committed corrupt-WAL fixtures (see src/test/resources/wal/README.md). */
class WalFixturesTest {
    @TempDir
    Path tmp;
    private WalScan valid;

    @BeforeEach
    void scanValid() throws Exception {
        valid = WalTestFiles.scanAll(WalTestFiles.fixture(tmp, "valid/wal"));
    }

    @Test
    void validFixtureHasFiveCommitsAndEndsCleanly() {
        assertEquals(5, valid.txns().size());
        assertEquals(StopReason.END_OF_FILE, valid.stop());
        assertEquals(0, valid.framesAfterLastCommit());
        assertEquals(1024, valid.header().pageSize());
    }

    @Test
    void badSaltStopsThereWithEarlierCommitsOnly() throws Exception {
        assertStopsAt("bad-salt", StopReason.SALT_MISMATCH);
    }

    @Test
    void badChecksumStopsThereWithEarlierCommitsOnly() throws Exception {
        WalScan s = assertStopsAt("bad-checksum", StopReason.CHECKSUM_MISMATCH);
        assertEquals(1, s.framesAfterLastCommit(), "the damaged frame is the 2nd of its transaction");
    }

    @Test
    void tornLastFrameDropsTheLastTransaction() throws Exception {
        WalScan s = assertStopsAt("torn-last-frame", StopReason.TORN_FRAME);
        assertEquals(valid.txns().subList(0, 4), s.txns());
    }

    @Test
    void badHeaderChecksumIsAClearWalException() throws Exception {
        Path f = WalTestFiles.fixture(tmp, "bad-header-checksum/wal");
        try (FileChannel ch = WalTestFiles.open(f)) {
            WalException e = assertThrows(WalException.class, () -> WalReader.readHeader(ch, "/data/app.db-wal"));
            assertTrue(e.getMessage().startsWith("read wal /data/app.db-wal: header checksum mismatch"), e.getMessage());
            assertThrows(WalException.class, () -> WalReader.scan(ch, valid.end(), "/data/app.db-wal"));
        }
    }

    @Test
    void randomBytesAreNotAWal() throws Exception {
        Path f = WalTestFiles.fixture(tmp, "not-a-wal/wal");
        try (FileChannel ch = WalTestFiles.open(f)) {
            WalException e = assertThrows(WalException.class, () -> WalReader.readHeader(ch, "/data/app.db-wal"));
            assertTrue(e.getMessage().startsWith("read wal /data/app.db-wal: bad magic 0x"), e.getMessage());
        }
    }

    private WalScan assertStopsAt(String name, StopReason reason) throws Exception {
        long frame = damagedFrame(name);
        WalScan s = WalTestFiles.scanAll(WalTestFiles.fixture(tmp, name + "/wal"));
        assertEquals(reason, s.stop());
        assertEquals(frame, s.stopFrame());
        List<CommittedTxn> earlier = valid.txns().stream().filter(t -> t.commitFrame() < frame).toList();
        assertTrue(earlier.size() >= 2 && earlier.size() < valid.txns().size());
        assertEquals(earlier, s.txns());
        assertEquals(earlier.get(earlier.size() - 1).commitFrame(), s.end().frame());
        return s;
    }

    private static long damagedFrame(String name) throws Exception {
        Properties p = new Properties();
        try (InputStream in = WalFixturesTest.class.getResourceAsStream("/wal/" + name + "/case.properties")) {
            p.load(in);
        }
        return Long.parseLong(p.getProperty("frame"));
    }
}
