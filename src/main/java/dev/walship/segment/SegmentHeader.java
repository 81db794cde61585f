package dev.walship.segment;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The 64-byte header of a snapshot or segment file (docs/FORMAT.md), validated on construction so that
 * an instance always describes a file the format allows.
 *
 * @param txnCount number of transaction records in the body
 */
public record SegmentHeader(FileInfo.Kind kind, int level, boolean compressed, int pageSize, int txnCount,
                            long minTxid, long maxTxid, long minTime, long maxTime) {

    /** Size of the encoded header in bytes. */
    public static final int SIZE = 64;
    /** The only format version this code writes, and the newest it reads. */
    public static final int FORMAT_VERSION = 1;
    public static final int MIN_PAGE_SIZE = 512;
    public static final int MAX_PAGE_SIZE = 65536;

    static final byte[] MAGIC = "WALSHIP\0".getBytes(StandardCharsets.US_ASCII);
    static final int FLAG_COMPRESSED = 1;
    private static final int KIND_SEGMENT = 1;
    private static final int KIND_SNAPSHOT = 2;

    public SegmentHeader {
        // FileInfo owns the rules shared with object names (txid/time ranges, levels, snapshot shape)
        FileInfo name = new FileInfo(kind, level, minTxid, maxTxid, minTime, maxTime, -1);
        if (!isValidPageSize(pageSize)) {
            throw new IllegalArgumentException("segment header: page size " + pageSize
                    + " is not a power of two in " + MIN_PAGE_SIZE + ".." + MAX_PAGE_SIZE);
        }
        // L0 holds one record per txid so every transaction is a restore point; the others hold one page set
        long expected = kind == FileInfo.Kind.SEGMENT && level == 0 ? maxTxid - minTxid + 1 : 1;
        if (txnCount != expected) {
            throw new IllegalArgumentException("segment header " + name.name() + ": txnCount " + txnCount
                    + " but the format requires " + expected + " for this kind, level and txid range");
        }
    }

    /** Header of a snapshot at {@code txid}: one record holding every page. */
    public static SegmentHeader snapshot(boolean compressed, int pageSize, long txid, long time) {
        return new SegmentHeader(FileInfo.Kind.SNAPSHOT, 0, compressed, pageSize, 1, txid, txid, time, time);
    }

    /** Header of a segment; the record count follows from the level and txid range. */
    public static SegmentHeader segment(int level, boolean compressed, int pageSize,
                                        long minTxid, long maxTxid, long minTime, long maxTime) {
        long count = level == 0 ? maxTxid - minTxid + 1 : 1;
        if (count < 1 || count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("segment header: bad txid range " + minTxid + ".." + maxTxid);
        }
        return new SegmentHeader(FileInfo.Kind.SEGMENT, level, compressed, pageSize, (int) count,
                minTxid, maxTxid, minTime, maxTime);
    }

    public static boolean isValidPageSize(int pageSize) {
        return pageSize >= MIN_PAGE_SIZE && pageSize <= MAX_PAGE_SIZE && Integer.bitCount(pageSize) == 1;
    }

    /** The identity of the file this header belongs to, with the given stored size (or -1). */
    public FileInfo toFileInfo(long size) {
        return new FileInfo(kind, level, minTxid, maxTxid, minTime, maxTime, size);
    }

    /** The 64 header bytes, CRC included. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.put(MAGIC).putShort((short) FORMAT_VERSION)
                .put((byte) (kind == FileInfo.Kind.SNAPSHOT ? KIND_SNAPSHOT : KIND_SEGMENT))
                .put((byte) level).putShort((short) (compressed ? FLAG_COMPRESSED : 0)).putShort((short) 0)
                .putInt(pageSize).putInt(txnCount).putLong(minTxid).putLong(maxTxid).putLong(minTime).putLong(maxTime)
                .putInt(0);
        b.putInt((int) crc(b.array()));
        return b.array();
    }

    /** Parses and verifies 64 header bytes read from {@code source}. */
    public static SegmentHeader decode(byte[] h, String source) throws CorruptFileException, UnsupportedFormatException {
        if (h.length != SIZE) throw new CorruptFileException(source, "header is " + h.length + " bytes, not " + SIZE);
        ByteBuffer b = ByteBuffer.wrap(h);
        for (int i = 0; i < MAGIC.length; i++) {
            if (h[i] != MAGIC[i]) throw new CorruptFileException(source, "header magic is not WALSHIP");
        }
        // The version comes before the CRC check: a newer format may lay out (and checksum) its header differently.
        int version = Short.toUnsignedInt(b.getShort(8));
        if (version > FORMAT_VERSION) throw new UnsupportedFormatException(source, version, null);
        if (version < 1) throw new CorruptFileException(source, "header format version is 0");
        if ((int) crc(h) != b.getInt(60)) throw new CorruptFileException(source, "header CRC32C mismatch");
        int flags = Short.toUnsignedInt(b.getShort(12));
        if ((flags & ~FLAG_COMPRESSED) != 0) {
            throw new UnsupportedFormatException(source, version, String.format("unknown flags 0x%04x", flags));
        }
        // Version 1 defines the reserved fields as zero, so anything else under a valid CRC is not a file we wrote.
        if (b.getShort(14) != 0 || b.getInt(56) != 0) {
            throw new CorruptFileException(source, "header reserved fields are not zero");
        }
        FileInfo.Kind kind = switch (h[10]) {
            case KIND_SEGMENT -> FileInfo.Kind.SEGMENT;
            case KIND_SNAPSHOT -> FileInfo.Kind.SNAPSHOT;
            default -> throw new CorruptFileException(source, "header kind " + Byte.toUnsignedInt(h[10]) + " is unknown");
        };
        try {
            return new SegmentHeader(kind, Byte.toUnsignedInt(h[11]), (flags & FLAG_COMPRESSED) != 0, b.getInt(16),
                    b.getInt(20), b.getLong(24), b.getLong(32), b.getLong(40), b.getLong(48));
        } catch (IllegalArgumentException e) {
            throw new CorruptFileException(source, "header fields are inconsistent: " + e.getMessage(), e);
        }
    }

    /** Throws unless this header describes the file {@code expected} (kind, level, txid and time ranges). */
    void checkAgrees(FileInfo expected, String source) throws CorruptFileException {
        FileInfo mine = toFileInfo(expected.size());
        if (!mine.equals(expected)) {
            throw new CorruptFileException(source, "header describes " + mine.name() + " but the object is "
                    + expected.name(), "the object was renamed or overwritten; do not use it", null);
        }
    }

    private static long crc(byte[] h) {
        CRC32C c = new CRC32C();
        c.update(h, 0, 60);
        return c.getValue();
    }
}
