package dev.walship.hooks;

import dev.walship.db.DatabaseFollower;
import dev.walship.db.FollowerMetrics;
import dev.walship.db.Sidecar;
import dev.walship.replica.ReplicaClient;
import dev.walship.replica.ReplicaSync;
import dev.walship.util.Version;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The /metrics endpoint: every metric is a callback that reads the sidecar's live counters at scrape time, so
 * nothing is copied in the background and a scrape always sees current values. Databases carry a {@code db} label,
 * replicas {@code db} and {@code replica} (the URL without credentials). The list is in docs/ADMIN.md.
 */
final class AdminMetrics {
    /** The Prometheus text format 0.0.4 content type. */
    static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;
    private static final double NANOS = 1e9;

    private final Sidecar sidecar;
    private final Clock clock;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    AdminMetrics(Sidecar sidecar, Clock clock) {
        this.sidecar = sidecar;
        this.clock = clock;
        gauge("walship_build_info", "walship's version (always 1)", List.of("version"),
                cb -> cb.call(1, Version.get()));
        gauge("walship_healthy", "1 when /healthz answers 200, else 0", List.of(),
                cb -> cb.call(Health.reasons(sidecar.stopping(), DbState.all(sidecar, clock.millis())).isEmpty() ? 1 : 0));
        registerDbMetrics();
        registerReplicaMetrics();
    }

    /** Writes one scrape in the Prometheus text format. */
    void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }

    private void registerDbMetrics() {
        gauge("walship_db_state", "1 for what the database's runner is doing now (opening_replicas, waiting_for_db,"
                + " replicating, stopped), 0 for the other states", List.of("db", "state"), cb -> {
                    for (Sidecar.DbRunner r : sidecar.runners()) {
                        for (Sidecar.Phase p : Sidecar.Phase.values()) {
                            cb.call(r.phase() == p ? 1 : 0, r.config().name(), StatusJson.phase(p));
                        }
                    }
                });
        gauge("walship_db_max_lag_seconds", "The configured max-lag", List.of("db"), cb -> {
            for (Sidecar.DbRunner r : sidecar.runners()) cb.call(r.config().maxLag().toMillis() / 1000.0, r.config().name());
        });
        gauge("walship_db_replication_lag_seconds", "Seconds the oldest copied transaction not yet on every replica"
                + " has waited (0 when every replica is up to date)", List.of("db"), cb -> {
                    long now = clock.millis();
                    for (Sidecar.DbRunner r : sidecar.runners()) {
                        long[] lags = DbState.replicaLagMillis(r, now);
                        if (lags == null) continue;
                        long max = 0;
                        for (long l : lags) max = Math.max(max, l);
                        cb.call(max / 1000.0, r.config().name());
                    }
                });
        gauge("walship_db_last_txid", "The newest transaction id walship copied or a replica holds", List.of("db"),
                cb -> {
                    for (Sidecar.DbRunner r : sidecar.runners()) {
                        long txid = r.follower() == null ? 0 : r.follower().metrics().lastTxid.get();
                        for (ReplicaSync rs : r.replicas()) txid = Math.max(txid, rs.uploadedTxid.get());
                        cb.call(txid, r.config().name());
                    }
                });
        followerGauge("walship_db_last_commit_timestamp_seconds", "When walship copied the newest transaction (Unix"
                + " time; absent until the first copy in this run)", m -> m.lastTime.get() / 1000.0, true);
        followerGauge("walship_db_wal_bytes", "Size of the WAL file when walship last looked", m -> m.walBytes.get(), false);
        followerGauge("walship_db_spool_full", "1 while copying is paused because the spool reached spool-max-size",
                m -> m.spoolFull.get(), false);
        gauge("walship_db_spool_bytes", "Bytes in the spool waiting for a replica or kept for crash recovery",
                List.of("db"), cb -> {
                    for (Sidecar.DbRunner r : sidecar.runners()) {
                        DatabaseFollower f = r.follower();
                        long b = f == null ? -1 : DbState.spoolBytes(f.spool());
                        if (b >= 0) cb.call(b, r.config().name());
                    }
                });
        followerCounter("walship_db_syncs", "Syncs that copied at least one transaction", m -> m.syncs.get());
        followerCounter("walship_db_transactions", "Transactions copied from the WAL", m -> m.txns.get());
        followerCounter("walship_db_shipped_bytes", "Bytes written to the spool (segments and snapshots)",
                m -> m.shippedBytes.get());
        followerCounter("walship_db_checkpoints", "Checkpoints run by walship", m -> m.checkpoints.get());
        followerCounter("walship_db_snapshots", "Snapshots taken (periodic and after continuity breaks)",
                m -> m.snapshots.get());
        followerCounter("walship_db_continuity_breaks", "Times walship could not prove continuity and took a fresh"
                + " snapshot", m -> m.breaks.get());
        followerCounter("walship_db_errors", "Syncs that failed and were retried", m -> m.errors.get());
        followerCounter("walship_db_corrupt_frames", "WAL frames that failed their checksum", m -> m.corruptFrames.get());
        followerCounter("walship_db_checksum_mismatches", "Periodic snapshots that differed from the replicated state",
                m -> m.checksumMismatches.get());
        followerCounter("walship_db_sync_seconds", "Time spent in syncs that copied transactions",
                m -> m.syncNanos.get() / NANOS);
        followerCounter("walship_db_checkpoint_seconds", "Time spent in walship's checkpoints",
                m -> m.checkpointNanos.get() / NANOS);
        followerCounter("walship_db_snapshot_seconds", "Time spent taking snapshots", m -> m.snapshotNanos.get() / NANOS);
    }

    private void registerReplicaMetrics() {
        List<String> labels = List.of("db", "replica");
        gauge("walship_replica_uploaded_txid", "The highest transaction id on the replica", labels,
                cb -> eachReplica((r, i, rs) -> cb.call(rs.uploadedTxid.get(), r.config().name(), DbState.url(r, i))));
        gauge("walship_replica_lag_seconds", "Seconds the oldest copied transaction not yet on this replica has waited",
                labels, cb -> {
                    long now = clock.millis();
                    for (Sidecar.DbRunner r : sidecar.runners()) {
                        long[] lags = DbState.replicaLagMillis(r, now);
                        for (int i = 0; lags != null && i < lags.length; i++) {
                            cb.call(lags[i] / 1000.0, r.config().name(), DbState.url(r, i));
                        }
                    }
                });
        gauge("walship_replica_failing", "1 while the last upload or maintenance of the replica failed", labels,
                cb -> eachReplica((r, i, rs) -> cb.call(rs.lastError() != null && !rs.leaseLost() ? 1 : 0,
                        r.config().name(), DbState.url(r, i))));
        gauge("walship_replica_lease_lost", "1 once another sidecar took the replica's lease", labels,
                cb -> eachReplica((r, i, rs) -> cb.call(rs.leaseLost() ? 1 : 0, r.config().name(), DbState.url(r, i))));
        gauge("walship_replica_validation_ok", "1 when the last validation matched the live database, 0 when it failed"
                + " (absent before the first)", labels, cb -> eachReplica((r, i, rs) -> {
                    if (rs.lastValidation() != null) {
                        cb.call(rs.lastValidation().ok() ? 1 : 0, r.config().name(), DbState.url(r, i));
                    }
                }));
        gauge("walship_replica_last_validation_timestamp_seconds", "When the last validation finished (Unix time)", labels,
                cb -> eachReplica((r, i, rs) -> {
                    if (rs.lastValidation() != null) {
                        cb.call(rs.lastValidation().atMillis() / 1000.0, r.config().name(), DbState.url(r, i));
                    }
                }));
        counter("walship_replica_validations", "Validations of the replica against the live database", labels,
                cb -> eachReplica((r, i, rs) -> cb.call(rs.validations.get(), r.config().name(), DbState.url(r, i))));
        counter("walship_replica_validation_failures", "Validations that did not match or could not complete", labels,
                cb -> eachReplica((r, i, rs) -> cb.call(rs.validationFailures.get(), r.config().name(), DbState.url(r, i))));
        counter("walship_replica_uploads", "Files uploaded to the replica", labels,
                cb -> eachReplica((r, i, rs) -> cb.call(rs.uploads.get(), r.config().name(), DbState.url(r, i))));
        counter("walship_replica_upload_failures", "Failed uploads and maintenance rounds (each retry counts)", labels,
                cb -> eachReplica((r, i, rs) -> cb.call(rs.failures.get(), r.config().name(), DbState.url(r, i))));
        counter("walship_replica_requests", "Requests made to the replica's store by kind (object stores only)",
                List.of("db", "replica", "kind"), cb -> eachReplica((r, i, rs) -> {
                    ReplicaClient.RequestCounts c = rs.client().requestCounts();
                    String db = r.config().name();
                    String url = DbState.url(r, i);
                    cb.call(c.put(), db, url, "put");
                    cb.call(c.get(), db, url, "get");
                    cb.call(c.list(), db, url, "list");
                    cb.call(c.delete(), db, url, "delete");
                }));
    }

    private interface ReplicaVisitor {
        void visit(Sidecar.DbRunner r, int index, ReplicaSync rs);
    }

    private void eachReplica(ReplicaVisitor v) {
        for (Sidecar.DbRunner r : sidecar.runners()) {
            List<ReplicaSync> replicas = r.replicas();
            for (int i = 0; i < replicas.size(); i++) v.visit(r, i, replicas.get(i));
        }
    }

    /** A per-db gauge of the follower's metrics; absent while the follower has not started. */
    private void followerGauge(String name, String help, ToDoubleFunction<FollowerMetrics> value, boolean skipZero) {
        gauge(name, help, List.of("db"), cb -> {
            for (Sidecar.DbRunner r : sidecar.runners()) {
                DatabaseFollower f = r.follower();
                if (f == null) continue;
                double v = value.applyAsDouble(f.metrics());
                if (!skipZero || v != 0) cb.call(v, r.config().name());
            }
        });
    }

    /** A per-db counter of the follower's metrics; absent while the follower has not started. */
    private void followerCounter(String name, String help, ToDoubleFunction<FollowerMetrics> value) {
        counter(name, help, List.of("db"), cb -> {
            for (Sidecar.DbRunner r : sidecar.runners()) {
                DatabaseFollower f = r.follower();
                if (f != null) cb.call(value.applyAsDouble(f.metrics()), r.config().name());
            }
        });
    }

    private void gauge(String name, String help, List<String> labels,
                       java.util.function.Consumer<GaugeWithCallback.Callback> callback) {
        GaugeWithCallback.builder().name(name).help(help).labelNames(labels.toArray(String[]::new)).callback(callback)
                .register(registry);
    }

    private void counter(String name, String help, List<String> labels,
                         java.util.function.Consumer<CounterWithCallback.Callback> callback) {
        CounterWithCallback.builder().name(name).help(help).labelNames(labels.toArray(String[]::new)).callback(callback)
                .register(registry);
    }
}
