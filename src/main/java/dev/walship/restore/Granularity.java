package dev.walship.restore;

/** How precisely a plan can honour its target: at any transaction, or only at a compacted file boundary. */
public enum Granularity {
    /** The restore lands exactly on the target (every transaction is a restore point here). */
    TRANSACTION,
    /** The restore lands on the newest compacted file boundary at or before the target. */
    FILE
}
