package dev.walship.wal;

import java.nio.ByteBuffer;
import java.util.List;

/** Test helper that builds and rewrites WAL images in memory, recomputing checksums like SQLite. */
final class WalBytes {
    private WalBytes() {
    }

    /** A synthetic frame: page number, commit size (0 if not a commit) and a byte to fill the page with. */
    record Frame(int pgno, int commitSize, byte fill) {
    }

    static int getInt(byte[] b, int off) {
        return ByteBuffer.wrap(b).getInt(off);
    }

    static void putInt(byte[] b, int off, int v) {
        ByteBuffer.wrap(b).putInt(off, v);
    }

    static int frameSize(byte[] wal) {
        return 24 + getInt(wal, 8);
    }

    static int frameOffset(byte[] wal, long frame) {
        return (int) WalPosition.frameOffset(getInt(wal, 8), frame);
    }

    /**
     * Returns a copy with the given checksum word order: new magic, header checksum and the frame
     * chain recomputed for every whole frame up to the first one whose salts differ from the header.
     */
    static byte[] rechecksum(byte[] src, boolean bigEndian) {
        byte[] wal = src.clone();
        putInt(wal, 0, bigEndian ? WalHeader.MAGIC_BIG_ENDIAN : WalHeader.MAGIC_LITTLE_ENDIAN);
        WalChecksum ck = new WalChecksum(bigEndian, 0, 0).update(wal, 0, 24);
        putInt(wal, 24, ck.s0());
        putInt(wal, 28, ck.s1());
        int fs = frameSize(wal);
        for (int p = 32; p + fs <= wal.length; p += fs) {
            if (getInt(wal, p + 8) != getInt(wal, 16) || getInt(wal, p + 12) != getInt(wal, 20)) {
                break;
            }
            ck.update(wal, p, 8).update(wal, p + 24, fs - 24);
            putInt(wal, p + 16, ck.s0());
            putInt(wal, p + 20, ck.s1());
        }
        return wal;
    }

    /** Builds a valid WAL from scratch. */
    static byte[] build(int pageSize, boolean bigEndian, int salt1, int salt2, List<Frame> frames) {
        byte[] wal = new byte[32 + frames.size() * (24 + pageSize)];
        putInt(wal, 4, WalHeader.FORMAT_VERSION);
        putInt(wal, 8, pageSize);
        putInt(wal, 12, 7);
        putInt(wal, 16, salt1);
        putInt(wal, 20, salt2);
        for (int i = 0; i < frames.size(); i++) {
            int p = 32 + i * (24 + pageSize);
            Frame f = frames.get(i);
            putInt(wal, p, f.pgno());
            putInt(wal, p + 4, f.commitSize());
            putInt(wal, p + 8, salt1);
            putInt(wal, p + 12, salt2);
            java.util.Arrays.fill(wal, p + 24, p + 24 + pageSize, f.fill());
        }
        return rechecksum(wal, bigEndian);
    }
}
