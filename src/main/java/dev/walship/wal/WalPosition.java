package dev.walship.wal;

/**
 * A resumable point in one WAL generation: which WAL (salts), how far it has been consumed, and the
 * running checksum needed to verify the next frame without re-reading the earlier ones.
 *
 * @param frame index (1-based) of the last consumed frame; 0 means only the header
 * @param checksum1 cumulative checksum after {@code frame}, or the header checksum when frame is 0
 * @param bigEndian whether checksums use big-endian words (magic 0x377f0683)
 */
public record WalPosition(
        int salt1,
        int salt2,
        int checkpointSeq,
        int pageSize,
        long frame,
        int checksum1,
        int checksum2,
        boolean bigEndian) {

    public static final int FRAME_HEADER_SIZE = 24;

    public WalPosition {
        if (frame < 0) {
            throw new IllegalArgumentException("frame must be >= 0: " + frame);
        }
        if (!WalHeader.validPageSize(pageSize)) {
            throw new IllegalArgumentException("invalid page size: " + pageSize);
        }
    }

    /** The position just after the header: nothing consumed yet, chain seeded with the header checksum. */
    public static WalPosition start(WalHeader h) {
        return new WalPosition(h.salt1(), h.salt2(), h.checkpointSeq(), h.pageSize(), 0,
                h.checksum1(), h.checksum2(), h.bigEndianChecksums());
    }

    /** Byte offset of 1-based frame {@code frame} in a WAL with the given page size. */
    public static long frameOffset(int pageSize, long frame) {
        if (frame < 1) {
            throw new IllegalArgumentException("frames are 1-based: " + frame);
        }
        return WalHeader.SIZE + (frame - 1) * (FRAME_HEADER_SIZE + (long) pageSize);
    }

    /** Byte offset of 1-based frame {@code frame} in this WAL. */
    public long frameOffset(long frame) {
        return frameOffset(pageSize, frame);
    }

    /** Frame header plus page. */
    public int frameSize() {
        return FRAME_HEADER_SIZE + pageSize;
    }

    /** WAL file length covered by this position (header plus consumed frames). */
    public long byteLength() {
        return WalHeader.SIZE + frame * frameSize();
    }

    /** Whether {@code h} is the same WAL generation: a restarted WAL always gets new salts. */
    public boolean sameGeneration(WalHeader h) {
        return h.salt1() == salt1 && h.salt2() == salt2 && h.pageSize() == pageSize
                && h.bigEndianChecksums() == bigEndian;
    }

    /** This position moved to {@code newFrame} with the checksum after that frame. */
    public WalPosition at(long newFrame, int newChecksum1, int newChecksum2) {
        return new WalPosition(salt1, salt2, checkpointSeq, pageSize, newFrame, newChecksum1, newChecksum2, bigEndian);
    }
}
