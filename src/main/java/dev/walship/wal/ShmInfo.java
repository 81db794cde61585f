package dev.walship.wal;

import java.util.List;

/**
 * A snapshot of the wal-index header at the start of a {@code -shm} file, used as a cheap hint of
 * how far the WAL has been committed and checkpointed.
 *
 * <p>It is read without SQLite's locks, so it may be stale or mid-update by the time it is used;
 * never trust it over a verified {@link WalReader#scan}. Unsigned 32-bit counters are widened to long.
 *
 * @param version wal-index format version (iVersion, 3007000)
 * @param change counter bumped by every write transaction (iChange)
 * @param initialized whether the header has been initialised (isInit)
 * @param bigEndianChecksums whether the WAL uses big-endian checksum words (bigEndCksum)
 * @param pageSize database page size in bytes, already decoded (the file stores 65536 as 1)
 * @param mxFrame index of the last valid commit frame in the WAL
 * @param nPage database size in pages
 * @param frameChecksum1 cumulative checksum after frame mxFrame (aFrameCksum[0])
 * @param salt1 WAL salt-1, comparable with {@link WalHeader#salt1()}
 * @param headerChecksum1 checksum of this header itself (aCksum[0])
 * @param nBackfill frames already copied into the database by checkpoints
 * @param readMarks aReadMark[0..4]; 0xffffffff means unused
 * @param nBackfillAttempted frames a checkpoint attempted to copy
 * @param stable whether both header copies are equal, initialised and the header checksum verifies;
 *     when false SQLite was mid-update and the values should be re-read later
 */
public record ShmInfo(
        int version,
        long change,
        boolean initialized,
        boolean bigEndianChecksums,
        int pageSize,
        long mxFrame,
        long nPage,
        int frameChecksum1,
        int frameChecksum2,
        int salt1,
        int salt2,
        int headerChecksum1,
        int headerChecksum2,
        long nBackfill,
        List<Long> readMarks,
        long nBackfillAttempted,
        boolean stable) {

    public ShmInfo {
        readMarks = List.copyOf(readMarks);
    }

    /** Whether this index describes the WAL generation with the given header (same salts). */
    public boolean matches(WalHeader h) {
        return h.salt1() == salt1 && h.salt2() == salt2;
    }
}
