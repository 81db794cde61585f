package dev.walship.wal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Field accessors for the 24-byte big-endian WAL frame header, read in place from a chunk buffer. */
final class FrameHeader {
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private FrameHeader() {
    }

    static int pgno(byte[] b, int p) {
        return (int) INT.get(b, p);
    }

    /** Database size in pages after commit for a commit frame, 0 for other frames. */
    static int commitSize(byte[] b, int p) {
        return (int) INT.get(b, p + 4);
    }

    static int salt1(byte[] b, int p) {
        return (int) INT.get(b, p + 8);
    }

    static int salt2(byte[] b, int p) {
        return (int) INT.get(b, p + 12);
    }

    static int checksum1(byte[] b, int p) {
        return (int) INT.get(b, p + 16);
    }

    static int checksum2(byte[] b, int p) {
        return (int) INT.get(b, p + 20);
    }
}
