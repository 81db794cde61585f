package dev.walship.restore;

import dev.walship.segment.FileInfo;
import java.util.List;
import java.util.Optional;

/**
 * The oldest and newest states a replica can restore: the oldest snapshot, and the furthest txid reachable
 * through contiguous files from any snapshot (times are epoch milliseconds).
 */
public record RestoreWindow(long earliestTxid, long earliestTime, long latestTxid, long latestTime) {

    public RestoreWindow {
        if (earliestTxid < 1 || latestTxid < earliestTxid) {
            throw new IllegalArgumentException("bad txid window " + earliestTxid + ".." + latestTxid);
        }
        if (latestTime < earliestTime) {
            throw new IllegalArgumentException("bad time window " + earliestTime + ".." + latestTime);
        }
    }

    /** The window of a replica listing, or empty when it holds no snapshot. */
    public static Optional<RestoreWindow> of(List<FileInfo> files) {
        return new ChainSearch(files).window();
    }

    /** One line for error messages, e.g. {@code restorable: txid 0x1..0x64, 2026-...Z .. 2026-...Z}. */
    public String describe() {
        return "restorable: txid " + Txids.hex(earliestTxid) + ".." + Txids.hex(latestTxid) + ", "
                + Txids.time(earliestTime) + " .. " + Txids.time(latestTime);
    }
}
