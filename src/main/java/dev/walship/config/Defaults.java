package dev.walship.config;

import java.nio.file.Path;
import java.time.Duration;

/** The one place where every configuration default lives; the loader, the records and the docs refer here. */
public final class Defaults {
    public static final Duration SYNC_INTERVAL = Duration.ofSeconds(1);
    public static final boolean SYNC_ON_COMMIT = false;
    public static final Duration SNAPSHOT_INTERVAL = Duration.ofHours(24);
    public static final Duration RETENTION = Duration.ofHours(72);
    public static final Duration L0_RETENTION = Duration.ofHours(1);
    public static final Duration L1_INTERVAL = Duration.ofMinutes(1);
    public static final Duration L2_INTERVAL = Duration.ofHours(1);
    public static final long CHECKPOINT_PAGES = 1000;
    public static final long MAX_WAL_BYTES = 64L * 1024 * 1024;
    public static final Duration BUSY_TIMEOUT = Duration.ofMillis(100);
    /** Replication pauses (the WAL keeps the data) while this much waits in the spool for replicas. */
    public static final long SPOOL_MAX_BYTES = 4L * 1024 * 1024 * 1024;
    /** /healthz turns 503 when a commit waits longer than this to reach every replica. */
    public static final Duration MAX_LAG = Duration.ofMinutes(1);
    /** Labelled (deploy) snapshots kept, whatever their age: enough to roll back across several deploys. */
    public static final int KEEP_LABELS = 10;
    /** Off: a validation downloads the whole database from every replica, which costs requests and egress. */
    public static final Duration VALIDATION_INTERVAL = Duration.ZERO;
    /** The admin HTTP API (health, metrics, status): loopback only unless a token is set. */
    public static final String ADMIN_LISTEN = "127.0.0.1:9090";
    public static final String LOG_LEVEL = "info";
    public static final String LOG_FORMAT = "text";

    private Defaults() {
    }

    /** The default db name: its file name, so that one sidecar with several dbs needs no extra config. */
    public static String name(Path db) {
        Path fileName = db.getFileName();
        return fileName == null ? "" : fileName.toString();
    }

    /** The default spool dir sits next to the db so that it is on the same volume and survives restarts with it. */
    public static Path spoolDir(Path db) {
        Path dir = db.toAbsolutePath().normalize().getParent();
        Path base = dir == null ? db.toAbsolutePath().getRoot() : dir;
        return base.resolve("." + name(db) + "-walship");
    }
}
