package dev.walship.wal;

import java.util.List;
import java.util.Optional;

/**
 * Result of a verifying pass over a WAL: the committed transactions found after a position and why
 * the scan stopped.
 *
 * @param end position after the last commit frame (never inside a transaction); equals the starting
 *     position when nothing was committed
 * @param framesAfterLastCommit valid frames after {@code end} that belong to a not-yet-committed
 *     transaction (they are not returned and will be picked up once committed)
 */
public record WalScan(
        WalHeader header,
        List<CommittedTxn> txns,
        WalPosition end,
        StopReason stop,
        long framesAfterLastCommit) {

    /**
     * Why the scan stopped. Only END_OF_FILE is the clean case, but none of them is an exception:
     * SQLite finds the end of a valid WAL the same way, by the first frame that fails these checks.
     */
    public enum StopReason {
        /** Every byte of the file was a valid frame. */
        END_OF_FILE,
        /** A frame carries other salts: a leftover from an older WAL generation, or a reset WAL. */
        SALT_MISMATCH,
        /** A frame's cumulative checksum (or page number) is wrong: corruption or a frame being written. */
        CHECKSUM_MISMATCH,
        /** The file ends part-way through a frame: a write in progress or a crash. */
        TORN_FRAME
    }

    public WalScan {
        txns = List.copyOf(txns);
    }

    public Optional<CommittedTxn> lastTxn() {
        return txns.isEmpty() ? Optional.empty() : Optional.of(txns.get(txns.size() - 1));
    }

    /** 1-based index of the frame at which the scan stopped (one past the last valid frame). */
    public long stopFrame() {
        return end.frame() + framesAfterLastCommit + 1;
    }
}
