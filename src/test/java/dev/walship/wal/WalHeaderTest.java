package dev.walship.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalHeaderTest {
    @TempDir
    Path tmp;

    private static byte[] header(int pageSize, boolean bigEndian) {
        return Arrays.copyOf(WalBytes.build(pageSize, bigEndian, 0x1234, 0x5678,
                List.of(new WalBytes.Frame(1, 1, (byte) 0))), 32);
    }

    @Test
    void parsesARealSqliteHeaderWithPageSize65536() throws Exception {
        PyWal w = PyWal.write(tmp, 65536, 1, 1, 10, false);
        WalHeader h = WalHeader.parse(Files.readAllBytes(w.wal()), "app.db-wal");
        assertEquals(WalHeader.MAGIC_LITTLE_ENDIAN, h.magic());
        assertFalse(h.bigEndianChecksums());
        assertEquals(WalHeader.FORMAT_VERSION, h.formatVersion());
        assertEquals(65536, h.pageSize());
    }

    @Test
    void acceptsBothChecksumByteOrders() throws Exception {
        assertFalse(WalHeader.parse(header(4096, false), "x").bigEndianChecksums());
        WalHeader be = WalHeader.parse(header(4096, true), "x");
        assertTrue(be.bigEndianChecksums());
        assertEquals(0x1234, be.salt1());
        assertEquals(0x5678, be.salt2());
        assertEquals(7, be.checkpointSeq());
    }

    @Test
    void rejectsBadMagicVersionPageSizeAndChecksumWithClearMessages() {
        byte[] magic = header(1024, false);
        WalBytes.putInt(magic, 0, 0x377f0684);
        assertMessage(magic, "read wal /d/app.db-wal: bad magic 0x377f0684 (not a SQLite WAL file)");

        byte[] version = WalBytes.rechecksum(header(1024, false), false);
        WalBytes.putInt(version, 4, 3007001);
        assertMessage(WalBytes.rechecksum(version, false), "unsupported WAL format version 3007001");

        for (int bad : new int[] {0, 256, 1000, 131072, 1}) {
            byte[] ps = header(1024, false);
            WalBytes.putInt(ps, 8, bad);
            assertMessage(WalBytes.rechecksum(ps, false), "invalid page size " + bad);
        }

        byte[] ck = header(1024, false);
        ck[12] ^= 1;
        assertMessage(ck, "read wal /d/app.db-wal: header checksum mismatch");

        assertMessage(new byte[10], "header is 10 bytes");
    }

    private static void assertMessage(byte[] b, String expected) {
        WalException e = assertThrows(WalException.class, () -> WalHeader.parse(b, "/d/app.db-wal"));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
