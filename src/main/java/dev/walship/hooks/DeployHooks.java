package dev.walship.hooks;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.walship.db.LiveRestore;
import dev.walship.db.Sidecar;
import dev.walship.replica.Labels;
import dev.walship.replica.ReplicaSync;
import dev.walship.restore.RestoreException;
import dev.walship.restore.RestorePlan;
import dev.walship.restore.RestorePlanner;
import dev.walship.restore.RestoreResult;
import dev.walship.restore.RestoreTarget;
import dev.walship.restore.RestoreWindow;
import dev.walship.restore.Restorer;
import dev.walship.segment.FileInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deploy hooks behind {@code POST /v1/snapshots} and {@code POST /v1/restore}: a labelled snapshot that is
 * durable on every replica before the answer, and an in-place restore that first saves the current state under a
 * {@code pre-restore-<time>} label. See docs/ADMIN.md, "Deploy hooks".
 */
final class DeployHooks {
    private static final Logger log = LoggerFactory.getLogger(DeployHooks.class);
    private static final DateTimeFormatter SAFETY = DateTimeFormatter.ofPattern("'pre-restore-'yyyyMMdd'T'HHmmssSSS'Z'")
            .withZone(ZoneOffset.UTC);
    /** How long the app's write lock may block the in-place restore. */
    private static final Duration WRITE_LOCK_WAIT = Duration.ofSeconds(30);

    private final Sidecar sidecar;
    private final Clock clock;
    private final int keepLabels;

    DeployHooks(Sidecar sidecar, Clock clock, int keepLabels) {
        this.sidecar = sidecar;
        this.clock = clock;
        this.keepLabels = keepLabels;
    }

    /** POST /v1/snapshots. */
    ObjectNode snapshot(HookBody body) throws HookFailure {
        Sidecar.DbRunner runner = runner(body.db());
        long deadline = System.nanoTime() + body.timeout().toNanos();
        Labelled s = labelledSnapshot(runner, body.label(), deadline);
        ObjectNode out = HookFailure.JSON.createObjectNode();
        out.put("db", runner.config().name());
        s.describe(out);
        if (!s.durableEverywhere()) {
            throw new HookFailure(504, "snapshot " + body.label() + " is not durable on every replica after "
                    + dev.walship.config.Durations.format(body.timeout()) + " (see replicas; the label is kept where it is durable)", out);
        }
        log.info("labelled snapshot db={} label={} txid={}", runner.config().name(), body.label(), s.txid());
        return out;
    }

    /** POST /v1/restore. */
    ObjectNode restore(HookBody body) throws HookFailure {
        Sidecar.DbRunner runner = runner(body.db());
        long deadline = System.nanoTime() + body.timeout().toNanos();
        if (!runner.beginRestore()) {
            throw new HookFailure(409, "a restore of db " + runner.config().name() + " is already running; wait for it", null);
        }
        try {
            return restoreClaimed(runner, body, deadline);
        } finally {
            runner.endRestore();
        }
    }

    private ObjectNode restoreClaimed(Sidecar.DbRunner runner, HookBody body, long deadline) throws HookFailure {
        String db = runner.config().name();
        RestoreTarget target = target(runner, body);
        Source source = plan(runner, target);
        // 1. Save the current state first, so the rollback itself can be undone.
        String safety = SAFETY.format(Instant.ofEpochMilli(clock.millis()));
        Labelled saved = labelledSnapshot(runner, safety, deadline);
        if (!saved.durableEverywhere()) {
            ObjectNode detail = HookFailure.JSON.createObjectNode();
            saved.describe(detail);
            throw new HookFailure(504, "the safety snapshot " + safety + " is not durable on every replica in time;"
                    + " nothing was restored (retry with a longer timeout once the replicas are reachable)", detail);
        }
        // 2. Rebuild the target into the spool and verify it (checksums and SQLite's integrity check).
        Path image = runner.follower().spool().newTemp(".restore.db");
        try {
            RestoreResult r;
            try {
                r = Restorer.restore(source.replica().client(), source.plan(),
                        new Restorer.Options(image, false, Restorer.IntegrityCheck.FULL, line -> log.info("restore db={} {}", db, line)));
            } catch (IOException e) {
                throw new HookFailure(502, "restore of " + target.describe() + " from " + source.replica().client().url()
                        + " failed: " + e.getMessage() + "; the live database is unchanged", null);
            }
            // 3. Swap it in on the follower's thread, then ship the restore commit like any other.
            Before swap = await(runner.submit(f -> {
                f.step();
                long before = f.lastTxid();
                long beforeTime = f.lastTime();
                LiveRestore.apply(f.db(), image, WRITE_LOCK_WAIT);
                f.step(); // ships the restore commit now, so the replicas follow the restored state at once
                return new Before(before, beforeTime);
            }), deadline, "restore the live database");
            log.warn("restored live database db={} to txid={} (saved the previous state as label {})", db, r.txid(), safety);
            return restored(db, source, r, swap, saved);
        } finally {
            deleteImage(image);
        }
    }

    /** The last txid walship had copied, and its time, when the in-place swap began. */
    private record Before(long lastTxid, long lastTime) {}

    private ObjectNode restored(String db, Source source, RestoreResult r, Before swap, Labelled saved) {
        ObjectNode out = HookFailure.JSON.createObjectNode();
        out.put("db", db);
        ObjectNode restored = out.putObject("restored");
        restored.put("txid", r.txid());
        restored.put("time", Instant.ofEpochMilli(r.time()).toString());
        restored.put("replica", source.replica().client().url());
        if (swap.lastTxid() > r.txid()) {
            ObjectNode rb = out.putObject("rolled_back");
            rb.put("from_txid", r.txid() + 1);
            rb.put("to_txid", swap.lastTxid());
            rb.put("from_time", Instant.ofEpochMilli(r.time()).toString());
            rb.put("to_time", Instant.ofEpochMilli(swap.lastTime()).toString());
        } else {
            out.putNull("rolled_back");
        }
        ObjectNode s = out.putObject("saved_as");
        saved.describe(s);
        return out;
    }

    /** Takes a snapshot on the follower's thread, waits until every replica holds it, then labels it there. */
    private Labelled labelledSnapshot(Sidecar.DbRunner runner, String label, long deadline) throws HookFailure {
        FileInfo snap = await(runner.submit(f -> f.snapshotNow("labelled snapshot " + label)), deadline,
                "take snapshot " + label);
        runner.uploadNow();
        List<ReplicaSync> replicas = runner.replicas();
        while (System.nanoTime() < deadline && !replicas.stream().allMatch(rs -> rs.has(snap))) {
            sleep(20);
        }
        List<Labelled.Result> results = new ArrayList<>();
        Labels.Label l = new Labels.Label(label, snap.maxTxid(), snap.maxTime(), clock.millis());
        for (ReplicaSync rs : replicas) {
            String url = rs.client().url();
            if (!rs.has(snap)) {
                String why = rs.lastError() != null ? rs.lastError() : "upload not finished in time";
                results.add(new Labelled.Result(url, false, why));
                continue;
            }
            try {
                rs.addLabel(l, keepLabels);
                results.add(new Labelled.Result(url, true, null));
            } catch (IOException e) {
                results.add(new Labelled.Result(url, false, "write label: " + e.getMessage()));
            }
        }
        return new Labelled(label, snap.maxTxid(), snap.maxTime(), results);
    }

    private RestoreTarget target(Sidecar.DbRunner runner, HookBody body) throws HookFailure {
        if (body.to() != null) return new RestoreTarget.AtTime(body.to());
        if (body.txid() > 0) return new RestoreTarget.AtTxid(body.txid());
        Set<String> known = new LinkedHashSet<>();
        for (ReplicaSync rs : runner.replicas()) {
            var found = rs.labels().find(body.label());
            if (found.isPresent()) return new RestoreTarget.AtTxid(found.get().txid());
            known.addAll(rs.labels().names());
        }
        ObjectNode detail = HookFailure.JSON.createObjectNode();
        ArrayNode arr = detail.putArray("known_labels");
        known.forEach(arr::add);
        throw new HookFailure(404, "unknown label " + body.label() + " for db " + runner.config().name() + " (known: "
                + (known.isEmpty() ? "none; take one with the pre-deploy hook" : String.join(", ", known)) + ")", detail);
    }

    private record Source(ReplicaSync replica, RestorePlan plan) {}

    /** The first replica (in config order) that can restore the target; 422 with the window when none can. */
    private Source plan(Sidecar.DbRunner runner, RestoreTarget target) throws HookFailure {
        RestoreException first = null;
        for (ReplicaSync rs : runner.replicas()) {
            try {
                return new Source(rs, RestorePlanner.plan(rs.client().url(), rs.index().all(), target, clock.millis()));
            } catch (RestoreException e) {
                if (first == null) first = e;
            }
        }
        ObjectNode detail = HookFailure.JSON.createObjectNode();
        var window = runner.replicas().isEmpty() ? java.util.Optional.<RestoreWindow>empty()
                : RestoreWindow.of(runner.replicas().get(0).index().all());
        window.ifPresent(w -> {
            ObjectNode n = detail.putObject("window");
            n.put("earliest_txid", w.earliestTxid());
            n.put("earliest_time", Instant.ofEpochMilli(w.earliestTime()).toString());
            n.put("latest_txid", w.latestTxid());
            n.put("latest_time", Instant.ofEpochMilli(w.latestTime()).toString());
        });
        String why = first == null ? "db has no replicas" : first.getMessage();
        throw new HookFailure(422, "cannot restore " + target.describe() + ": " + why, detail);
    }

    private Sidecar.DbRunner runner(String db) throws HookFailure {
        List<Sidecar.DbRunner> all = sidecar.runners();
        if (db == null) {
            if (all.size() == 1) return all.get(0);
            throw new HookFailure(400, "db is required with several databases (one of: " + names(all) + ")", null);
        }
        for (Sidecar.DbRunner r : all) if (r.config().name().equals(db)) return r;
        throw new HookFailure(404, "unknown db " + db + " (known: " + names(all) + ")", null);
    }

    private static String names(List<Sidecar.DbRunner> all) {
        return String.join(", ", all.stream().map(r -> r.config().name()).toList());
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f, long deadline, String step) throws HookFailure {
        try {
            return f.get(Math.max(1, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new HookFailure(504, step + ": timed out (the replication thread is busy; retry with a longer timeout)", null);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            int status = c instanceof IllegalStateException ? 503 : 500;
            throw new HookFailure(status, step + ": " + c.getMessage(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HookFailure(503, step + ": interrupted (walship is stopping)", null);
        }
    }

    private static void sleep(long ms) throws HookFailure {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HookFailure(503, "interrupted (walship is stopping)", null);
        }
    }

    private static void deleteImage(Path image) {
        IOException left = dev.walship.db.DbFiles.deleteScratch(image);
        if (left != null) {
            // the spool's tmp/ is emptied at every start, so a leftover costs only disk until then
            log.warn("could not delete restore image path={} error=\"{}\"", image, left.getMessage());
        }
    }
}
