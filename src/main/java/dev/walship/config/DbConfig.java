package dev.walship.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The effective settings for one replicated SQLite database.
 *
 * @param path             the database file (absolute, normalized)
 * @param name             a short identifier used in file paths and logs; defaults to the file name
 * @param replicas         where the database is replicated to (at least one)
 * @param spoolDir         local staging directory; defaults to {@code <db dir>/.<db file name>-walship}
 * @param syncInterval     how often new WAL frames are shipped (at least 10ms)
 * @param syncOnCommit     ship after every commit instead of on the interval
 * @param snapshotInterval how often a full snapshot is taken
 * @param retention        how long restore points are kept
 * @param l0Retention      how long per-sync L0 files are kept after being compacted (may be zero)
 * @param l1Interval       the window compacted from L0 into one L1 file
 * @param l2Interval       the window compacted from L1 into one L2 file (not shorter than l1Interval)
 * @param checkpointPages  walship checkpoints once the WAL holds this many frames
 * @param maxWalBytes      walship warns when the WAL file grows past this size (a reader is blocking checkpoints)
 * @param busyTimeout      how long walship waits for the application's write lock when it needs it
 * @param spoolMaxBytes    replication pauses while this much waits in the spool (replicas unreachable)
 * @param encryptionKey    AES-256 key for client-side encryption of every replica, or null
 * @param waitForLease     wait for another sidecar's replica lease to expire instead of exiting
 * @param maxLag           the admin API's /healthz fails when replication lag exceeds this (see docs/ADMIN.md)
 * @param validationInterval how often each replica is restored into a temp file and compared with the live database
 *                         (zero: never)
 */
public record DbConfig(
        Path path,
        String name,
        List<ReplicaSpec> replicas,
        Path spoolDir,
        Duration syncInterval,
        boolean syncOnCommit,
        Duration snapshotInterval,
        Duration retention,
        Duration l0Retention,
        Duration l1Interval,
        Duration l2Interval,
        long checkpointPages,
        long maxWalBytes,
        Duration busyTimeout,
        long spoolMaxBytes,
        Secret encryptionKey,
        boolean waitForLease,
        Duration maxLag,
        Duration validationInterval) {

    public DbConfig {
        Problems p = new Problems();
        p.check(Keys.PATH, Rules.dbPath(path));
        p.check(Keys.NAME, Rules.name(name));
        p.check(Keys.REPLICAS, Rules.replicas(replicas));
        p.check(Keys.SPOOL_DIR, Rules.absolutePath(spoolDir));
        p.check(Keys.SYNC_INTERVAL, Rules.syncInterval(syncInterval));
        p.check(Keys.SNAPSHOT_INTERVAL, Rules.positive(snapshotInterval, "24h"));
        p.check(Keys.RETENTION, Rules.positive(retention, "72h"));
        p.check(Keys.L0_RETENTION, Rules.notNegative(l0Retention));
        p.check(Keys.L1_INTERVAL, Rules.positive(l1Interval, "1m"));
        p.check(Keys.L2_INTERVAL, Rules.l2Interval(l2Interval, l1Interval));
        p.check(Keys.CHECKPOINT_PAGES, Rules.atLeastOne(checkpointPages));
        p.check(Keys.MAX_WAL_SIZE, Rules.positiveSize(maxWalBytes));
        p.check(Keys.BUSY_TIMEOUT, Rules.notNegative(busyTimeout));
        p.check(Keys.SPOOL_MAX_SIZE, Rules.positiveSize(spoolMaxBytes));
        p.check(Keys.MAX_LAG, Rules.positive(maxLag, "1m"));
        p.check(Keys.VALIDATION_INTERVAL, Rules.validationInterval(validationInterval));
        p.throwUncheckedIfAny();
        path = path.normalize();
        spoolDir = spoolDir.normalize();
        replicas = List.copyOf(replicas);
    }

    /** The same, without validation. */
    public DbConfig(Path path, String name, List<ReplicaSpec> replicas, Path spoolDir, Duration syncInterval,
                    boolean syncOnCommit, Duration snapshotInterval, Duration retention, Duration l0Retention,
                    Duration l1Interval, Duration l2Interval, long checkpointPages, long maxWalBytes, Duration busyTimeout,
                    long spoolMaxBytes, Secret encryptionKey, boolean waitForLease, Duration maxLag) {
        this(path, name, replicas, spoolDir, syncInterval, syncOnCommit, snapshotInterval, retention, l0Retention,
                l1Interval, l2Interval, checkpointPages, maxWalBytes, busyTimeout, spoolMaxBytes, encryptionKey,
                waitForLease, maxLag, Defaults.VALIDATION_INTERVAL);
    }

    /** The same, with the default max-lag. */
    public DbConfig(Path path, String name, List<ReplicaSpec> replicas, Path spoolDir, Duration syncInterval,
                    boolean syncOnCommit, Duration snapshotInterval, Duration retention, Duration l0Retention,
                    Duration l1Interval, Duration l2Interval, long checkpointPages, long maxWalBytes, Duration busyTimeout,
                    long spoolMaxBytes, Secret encryptionKey, boolean waitForLease) {
        this(path, name, replicas, spoolDir, syncInterval, syncOnCommit, snapshotInterval, retention, l0Retention,
                l1Interval, l2Interval, checkpointPages, maxWalBytes, busyTimeout, spoolMaxBytes, encryptionKey,
                waitForLease, Defaults.MAX_LAG);
    }

    /** The same, with the default spool bound. */
    public DbConfig(Path path, String name, List<ReplicaSpec> replicas, Path spoolDir, Duration syncInterval,
                    boolean syncOnCommit, Duration snapshotInterval, Duration retention, Duration l0Retention,
                    Duration l1Interval, Duration l2Interval, long checkpointPages, long maxWalBytes, Duration busyTimeout) {
        this(path, name, replicas, spoolDir, syncInterval, syncOnCommit, snapshotInterval, retention, l0Retention,
                l1Interval, l2Interval, checkpointPages, maxWalBytes, busyTimeout, Defaults.SPOOL_MAX_BYTES, null, false,
                Defaults.MAX_LAG);
    }

    /** A database with every optional setting at its default from {@link Defaults}. */
    public static DbConfig of(Path path, List<ReplicaSpec> replicas) {
        return new DbConfig(path, Defaults.name(path), replicas, Defaults.spoolDir(path), Defaults.SYNC_INTERVAL,
                Defaults.SYNC_ON_COMMIT, Defaults.SNAPSHOT_INTERVAL, Defaults.RETENTION, Defaults.L0_RETENTION,
                Defaults.L1_INTERVAL, Defaults.L2_INTERVAL, Defaults.CHECKPOINT_PAGES, Defaults.MAX_WAL_BYTES,
                Defaults.BUSY_TIMEOUT);
    }
}
