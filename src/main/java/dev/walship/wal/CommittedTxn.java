package dev.walship.wal;

/**
 * One committed transaction found in the WAL: a run of frames ending in a commit frame.
 *
 * @param firstFrame 1-based index of the transaction's first frame
 * @param commitFrame 1-based index of its commit frame (the last one)
 * @param dbSizeAfter database size in pages after the commit, from the commit frame header
 * @param shippedPages frames of this transaction whose page number is {@code <= dbSizeAfter}; frames
 *     beyond the new end of the database (e.g. spilled before a VACUUM shrank the file) are dropped
 *
 * <p>Page counts are ints like SQLite's page numbers; the file stores them unsigned, but databases
 * past 2^31 pages (8 TiB at 4 KiB pages) are out of scope.
 */
public record CommittedTxn(long firstFrame, long commitFrame, int dbSizeAfter, int shippedPages) {

    public CommittedTxn {
        if (firstFrame < 1 || commitFrame < firstFrame) {
            throw new IllegalArgumentException("bad frame range " + firstFrame + ".." + commitFrame);
        }
    }

    /** Number of WAL frames in this transaction, including dropped ones. */
    public long frameCount() {
        return commitFrame - firstFrame + 1;
    }
}
