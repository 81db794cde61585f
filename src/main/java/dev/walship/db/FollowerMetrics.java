package dev.walship.db;

import java.util.concurrent.atomic.AtomicLong;

/** Counters and gauges of one database follower, read by the metrics endpoint and the status output. */
public final class FollowerMetrics {
    public final AtomicLong syncs = new AtomicLong();
    public final AtomicLong txns = new AtomicLong();
    public final AtomicLong shippedBytes = new AtomicLong();
    public final AtomicLong syncNanos = new AtomicLong();
    public final AtomicLong lastTxid = new AtomicLong();
    public final AtomicLong lastTime = new AtomicLong();
    public final AtomicLong walBytes = new AtomicLong();
    public final AtomicLong checkpoints = new AtomicLong();
    public final AtomicLong checkpointNanos = new AtomicLong();
    public final AtomicLong snapshots = new AtomicLong();
    public final AtomicLong snapshotNanos = new AtomicLong();
    public final AtomicLong breaks = new AtomicLong();
    public final AtomicLong corruptFrames = new AtomicLong();
    public final AtomicLong checksumMismatches = new AtomicLong();
    public final AtomicLong errors = new AtomicLong();
    /** 1 while replication is paused because the spool reached spool-max-size. */
    public final AtomicLong spoolFull = new AtomicLong();

    void recordSync(int txnCount, long bytes, long nanos, long txid, long time) {
        syncs.incrementAndGet();
        txns.addAndGet(txnCount);
        shippedBytes.addAndGet(bytes);
        syncNanos.addAndGet(nanos);
        lastTxid.set(txid);
        lastTime.set(time);
    }

    void recordCheckpoint(long nanos) {
        checkpoints.incrementAndGet();
        checkpointNanos.addAndGet(nanos);
    }

    void recordSnapshot(long nanos, long bytes, long txid, long time) {
        snapshots.incrementAndGet();
        snapshotNanos.addAndGet(nanos);
        shippedBytes.addAndGet(bytes);
        lastTxid.set(txid);
        lastTime.set(time);
    }
}
