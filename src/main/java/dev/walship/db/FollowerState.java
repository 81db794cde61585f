package dev.walship.db;

import dev.walship.wal.WalPosition;

/**
 * What the follower must remember across a crash to resume without a gap: where it is in the WAL,
 * the last txid it assigned and its time, and the database it was following.
 *
 * @param position the WAL position after the last shipped commit, or null when a snapshot is needed
 * @param lastTxid last txid written to the spool (0 = nothing yet)
 * @param lastTime time of lastTxid, epoch ms
 * @param dbInode inode (or file key) of the database file the position belongs to
 * @param checksumTxid txid that the saved page-hash table (checksum.bin) reflects
 * @param lastSnapshotAt when the last snapshot was taken (epoch ms), so a restart does not take another early
 */
public record FollowerState(WalPosition position, long lastTxid, long lastTime, String dbInode, long checksumTxid,
                            long lastSnapshotAt) {
    public static final FollowerState EMPTY = new FollowerState(null, 0, 0, null, -1, 0);

    /** State of a follower that has not taken a snapshot in this spool yet. */
    public FollowerState(WalPosition position, long lastTxid, long lastTime, String dbInode, long checksumTxid) {
        this(position, lastTxid, lastTime, dbInode, checksumTxid, 0);
    }

    public FollowerState withPosition(WalPosition p) {
        return new FollowerState(p, lastTxid, lastTime, dbInode, checksumTxid, lastSnapshotAt);
    }
}
