package dev.walship.hooks;

import dev.walship.config.ReplicaSpec;
import dev.walship.db.DatabaseFollower;
import dev.walship.db.FollowerMetrics;
import dev.walship.db.Sidecar;
import dev.walship.db.Spool;
import dev.walship.replica.ReplicaClient;
import dev.walship.replica.ReplicaSync;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The facts about one database and its replicas at one instant, read from the live sidecar objects when a request
 * comes in (nothing is copied in the background). /healthz and /v1/status use it; /metrics reads the same objects
 * through {@link AdminMetrics}.
 *
 * <p><b>Replication lag</b> of a replica is {@code now - t}, where {@code t} is the time at which walship copied
 * the oldest transaction that is in the spool but not yet on that replica (the time recorded in the segment or
 * snapshot, i.e. when walship saw the commit in the WAL); it is 0 when the replica holds everything walship has
 * copied. A database's lag is the largest lag of its replicas: how long the oldest commit walship has seen has been
 * waiting to reach every replica. Commits still in the WAL that walship has not copied yet (a paused spool) are not
 * counted here; a full spool is its own health reason.
 *
 * @param lastTxid          the newest txid walship copied or a replica holds (0 before the first)
 * @param lastTimeMillis    when walship copied {@code lastTxid} (0 when not known in this run)
 * @param lagMillis         the database's replication lag, or -1 when not known (the follower has not started)
 * @param spoolBytes        bytes waiting in the spool, or -1 when not known
 */
record DbState(String name, String path, Sidecar.Phase phase, Duration maxLag, long lastTxid, long lastTimeMillis,
               long lagMillis, long walBytes, long spoolBytes, boolean spoolFull, Counters counters,
               List<ReplicaState> replicas) {

    /** The follower's counters (all zero before it started). Durations are in nanoseconds. */
    record Counters(long syncs, long transactions, long shippedBytes, long checkpoints, long snapshots, long breaks,
                    long errors, long corruptFrames, long checksumMismatches, long syncNanos, long checkpointNanos,
                    long snapshotNanos) {
        static final Counters ZERO = new Counters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

        static Counters of(FollowerMetrics m) {
            return new Counters(m.syncs.get(), m.txns.get(), m.shippedBytes.get(), m.checkpoints.get(),
                    m.snapshots.get(), m.breaks.get(), m.errors.get(), m.corruptFrames.get(),
                    m.checksumMismatches.get(), m.syncNanos.get(), m.checkpointNanos.get(), m.snapshotNanos.get());
        }
    }

    /**
     * One replica.
     *
     * @param url       the replica's URL without credentials
     * @param lagMillis this replica's lag (see {@link DbState}), or -1 when not known
     * @param lastError the last upload or maintenance error, null while the replica works
     */
    record ReplicaState(String url, long uploadedTxid, long uploads, long failures, long lagMillis, String lastError,
                        boolean leaseLost, ReplicaClient.RequestCounts requests, ReplicaSync.Validation validation) {
        boolean failing() {
            return lastError != null && !leaseLost;
        }
    }

    /** Reads one runner's live objects. */
    static DbState of(Sidecar.DbRunner r, long nowMillis) {
        DatabaseFollower f = r.follower();
        List<ReplicaSync> syncs = r.replicas();
        long[] lags = replicaLagMillis(r, nowMillis);
        List<ReplicaState> replicas = new ArrayList<>();
        long lastTxid = 0;
        long dbLag = lags == null ? -1 : 0;
        for (int i = 0; i < syncs.size(); i++) {
            ReplicaSync rs = syncs.get(i);
            long lag = lags == null || i >= lags.length ? -1 : lags[i];
            replicas.add(new ReplicaState(url(r, i), rs.uploadedTxid.get(), rs.uploads.get(), rs.failures.get(), lag,
                    oneLine(rs.lastError()), rs.leaseLost(), rs.client().requestCounts(), rs.lastValidation()));
            lastTxid = Math.max(lastTxid, rs.uploadedTxid.get());
            dbLag = Math.max(dbLag, lag);
        }
        long lastTime = 0;
        long walBytes = 0;
        long spoolBytes = -1;
        boolean spoolFull = false;
        Counters counters = Counters.ZERO;
        if (f != null) {
            FollowerMetrics m = f.metrics();
            // The follower's counter starts at 0 in each run; the replicas know what was copied before.
            lastTxid = Math.max(lastTxid, m.lastTxid.get());
            lastTime = m.lastTime.get();
            walBytes = m.walBytes.get();
            spoolFull = m.spoolFull.get() == 1;
            counters = Counters.of(m);
            spoolBytes = spoolBytes(f.spool());
        }
        return new DbState(r.config().name(), r.config().path().toString(), r.phase(), r.config().maxLag(), lastTxid,
                lastTime, dbLag, walBytes, spoolBytes, spoolFull, counters, List.copyOf(replicas));
    }

    /** Every database of the sidecar, in config order. */
    static List<DbState> all(Sidecar sidecar, long nowMillis) {
        List<DbState> out = new ArrayList<>();
        for (Sidecar.DbRunner r : sidecar.runners()) out.add(of(r, nowMillis));
        return out;
    }

    /** The replica's URL as configured, credentials left out (replicas are opened in config order). */
    static String url(Sidecar.DbRunner r, int index) {
        List<ReplicaSpec> specs = r.config().replicas();
        return index < specs.size() ? specs.get(index).safeUrl() : r.replicas().get(index).client().url();
    }

    /**
     * Each opened replica's lag in milliseconds (see {@link DbState}), or null before the follower started or
     * when the spool cannot be listed.
     */
    static long[] replicaLagMillis(Sidecar.DbRunner r, long nowMillis) {
        DatabaseFollower f = r.follower();
        if (f == null) return null;
        List<Spool.Pending> pending;
        try {
            pending = f.spool().pending();
        } catch (IOException e) {
            return null;
        }
        List<ReplicaSync> syncs = r.replicas();
        long[] lags = new long[syncs.size()];
        for (int i = 0; i < lags.length; i++) {
            for (Spool.Pending p : pending) { // oldest first
                if (!syncs.get(i).has(p.info())) {
                    lags[i] = Math.max(0, nowMillis - p.info().minTime());
                    break;
                }
            }
        }
        return lags;
    }

    static long spoolBytes(Spool spool) {
        try {
            return spool.pendingBytes();
        } catch (IOException e) {
            return -1;
        }
    }

    private static String oneLine(String s) {
        return s == null ? null : s.replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
