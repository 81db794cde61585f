package dev.walship.wal;

import java.nio.ByteBuffer;

/**
 * The 32-byte header at the start of a SQLite WAL file.
 *
 * <p>All fields are stored big-endian; the integers are unsigned 32-bit values held in Java ints.
 * Only the checksum algorithm's word order depends on the magic number.
 */
public record WalHeader(
        int magic,
        int formatVersion,
        int pageSize,
        int checkpointSeq,
        int salt1,
        int salt2,
        int checksum1,
        int checksum2) {

    public static final int SIZE = 32;
    /** Magic for checksums computed over little-endian words (what x86 and arm64 write). */
    public static final int MAGIC_LITTLE_ENDIAN = 0x377f0682;
    /** Magic for checksums computed over big-endian words. */
    public static final int MAGIC_BIG_ENDIAN = 0x377f0683;
    public static final int FORMAT_VERSION = 3007000;

    /** Whether the checksum algorithm reads 32-bit words big-endian (magic 0x377f0683). */
    public boolean bigEndianChecksums() {
        return magic == MAGIC_BIG_ENDIAN;
    }

    /**
     * Parses and validates the first 32 bytes of {@code b32}.
     *
     * @param source file name used in error messages
     * @throws WalException if the magic, version, page size or header checksum is wrong
     */
    public static WalHeader parse(byte[] b32, String source) throws WalException {
        if (b32.length < SIZE) {
            throw new WalException("read wal", source, "header is " + b32.length + " bytes, expected " + SIZE);
        }
        ByteBuffer b = ByteBuffer.wrap(b32); // big-endian by default, as the format requires
        WalHeader h = new WalHeader(
                b.getInt(0), b.getInt(4), b.getInt(8), b.getInt(12),
                b.getInt(16), b.getInt(20), b.getInt(24), b.getInt(28));
        if (h.magic != MAGIC_LITTLE_ENDIAN && h.magic != MAGIC_BIG_ENDIAN) {
            throw new WalException("read wal", source, String.format(
                    "bad magic 0x%08x (not a SQLite WAL file)", h.magic));
        }
        if (h.formatVersion != FORMAT_VERSION) {
            throw new WalException("read wal", source, "unsupported WAL format version "
                    + Integer.toUnsignedString(h.formatVersion) + " (expected " + FORMAT_VERSION + ")");
        }
        if (!validPageSize(h.pageSize)) {
            throw new WalException("read wal", source, "invalid page size "
                    + Integer.toUnsignedString(h.pageSize) + " (must be a power of two from 512 to 65536)");
        }
        WalChecksum ck = new WalChecksum(h.bigEndianChecksums(), 0, 0).update(b32, 0, 24);
        if (!ck.matches(h.checksum1, h.checksum2)) {
            // SQLite itself treats such a WAL as empty, so its frames must not be trusted either.
            throw new WalException("read wal", source, "header checksum mismatch (the WAL header is corrupt or "
                    + "half-written; walship will take a fresh snapshot)");
        }
        return h;
    }

    /** Unlike the database header (where 1 means 65536), the WAL header stores the plain size. */
    static boolean validPageSize(int pageSize) {
        return pageSize >= 512 && pageSize <= 65536 && Integer.bitCount(pageSize) == 1;
    }
}
