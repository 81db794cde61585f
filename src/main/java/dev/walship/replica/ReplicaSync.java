package dev.walship.replica;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.walship.db.Spool;
import dev.walship.retention.CompactionPlanner;
import dev.walship.retention.Merger;
import dev.walship.retention.Retention;
import dev.walship.segment.FileInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves one database's spooled files to one replica, then compacts and applies retention there.
 * Each replica has its own instance and thread, so a slow or unreachable replica never holds up
 * the others or the follower: its files simply wait in the spool.
 */
public final class ReplicaSync {
    private static final Logger log = LoggerFactory.getLogger(ReplicaSync.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final int FORMAT = 1;
    public static final String MANIFEST = "walship-replica.json";
    /**
     * How long a replica lease lasts without renewal: a crashed sidecar on another spool blocks this long.
     * It is renewed every TTL/2 (see {@link ReplicaLease}): one PUT per 15 s per replica, idle or not.
     */
    public static final long LEASE_TTL_MS = 30_000;

    /** Compaction and retention settings, in milliseconds. */
    public record Policy(long l1IntervalMs, long l2IntervalMs, Retention.Policy retention) {}

    private final String db;
    private final ReplicaClient client;
    private final Spool spool;
    private final Policy policy;
    private final Clock clock;
    private final ReplicaIndex index;
    private final Set<String> uploaded = ConcurrentHashMap.newKeySet();
    public final AtomicLong uploads = new AtomicLong();
    public final AtomicLong uploadedTxid = new AtomicLong();
    public final AtomicLong failures = new AtomicLong();
    private volatile String lastError;
    private long nextMaintenance;

    private final ReplicaLease lease;
    private volatile boolean leaseLost;
    /** The replica's labels; read once at open, then kept current by {@link #addLabel}. */
    private volatile Labels labels = Labels.EMPTY;

    private ReplicaSync(String db, ReplicaClient client, Spool spool, Policy policy, Clock clock, ReplicaIndex index,
                        ReplicaLease lease) {
        this.lease = lease;
        this.db = db;
        this.client = client;
        this.spool = spool;
        this.policy = policy;
        this.clock = clock;
        this.index = index;
        this.uploadedTxid.set(index.maxTxid());
    }

    /**
     * Checks (or writes) the replica's manifest and lists it once. Fails with a clear message when
     * the replica was written by a newer walship.
     */
    public static ReplicaSync open(String db, ReplicaClient client, Spool spool, Policy policy, Clock clock)
            throws IOException {
        return open(db, client, spool, policy, clock, false, () -> false);
    }

    /**
     * As {@link #open(String, ReplicaClient, Spool, Policy, Clock)}; with {@code waitForLease}, a replica
     * held by another sidecar is retried every few seconds until its lease expires or {@code cancelled}.
     */
    public static ReplicaSync open(String db, ReplicaClient client, Spool spool, Policy policy, Clock clock,
                                   boolean waitForLease, java.util.function.BooleanSupplier cancelled) throws IOException {
        checkManifest(client);
        ReplicaLease lease = new ReplicaLease(client, spool.ownerId(), db, LEASE_TTL_MS, clock);
        while (true) {
            try {
                lease.acquire();
                break;
            } catch (ReplicaLease.HeldException e) {
                if (!waitForLease || cancelled.getAsBoolean()) throw e;
                log.info("waiting for replica lease db={} reason=\"{}\"", db, e.getMessage());
                try {
                    Thread.sleep(LEASE_TTL_MS / 6);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
        ReplicaSync rs = new ReplicaSync(db, client, spool, policy, clock, new ReplicaIndex(client.listFiles()), lease);
        rs.labels = readLabels(client);
        return rs;
    }

    /** The replica's labels (empty when it has none). */
    public static Labels readLabels(ReplicaClient client) throws IOException {
        var stored = client.readObject(Labels.OBJECT);
        return stored.isPresent() ? Labels.parse(stored.get(), client.url()) : Labels.EMPTY;
    }

    /**
     * The outcome of one validation of this replica: restored at {@code txid} and compared with the live database.
     *
     * @param detail null when it matched; otherwise what differed or failed, one line
     */
    public record Validation(long txid, boolean ok, String detail, long atMillis) {}

    private volatile Validation lastValidation;
    public final AtomicLong validations = new AtomicLong();
    public final AtomicLong validationFailures = new AtomicLong();

    /** The newest validation, or null before the first. */
    public Validation lastValidation() {
        return lastValidation;
    }

    public void recordValidation(Validation v) {
        lastValidation = v;
        validations.incrementAndGet();
        if (!v.ok()) validationFailures.incrementAndGet();
    }

    /** The labels as of the last read or write. */
    public Labels labels() {
        return labels;
    }

    /**
     * Records a label for a snapshot this replica already holds, keeping the newest {@code keep} labels. The
     * write is conditional on the version read, so a concurrent writer is never overwritten unseen.
     */
    public synchronized Labels addLabel(Labels.Label label, int keep) throws IOException {
        if (leaseLost) throw new IOException("replica " + client.url() + " is held by another sidecar; label not written");
        try {
            lease.renewIfDue();
        } catch (ReplicaLease.HeldException e) {
            leaseLost = true;
            throw e;
        }
        for (int attempt = 0; ; attempt++) {
            var cur = client.readVersioned(Labels.OBJECT);
            Labels base = cur.isPresent() ? Labels.parse(cur.get().data(), client.url()) : Labels.EMPTY;
            Labels next = base.with(label, keep);
            try {
                client.writeIf(Labels.OBJECT, next.toJson(), cur.map(ReplicaClient.Versioned::version).orElse(null));
                labels = next;
                return next;
            } catch (PreconditionFailedException e) {
                if (attempt >= 2) {
                    throw new IOException("write " + Labels.OBJECT + " to " + client.url() + ": it kept changing"
                            + " underneath (is another walship writing to this replica?)", e);
                }
            }
        }
    }

    /** Refuses replicas of a newer format; creates the manifest of an empty replica. */
    public static void checkManifest(ReplicaClient client) throws IOException {
        var existing = client.readObject(MANIFEST);
        if (existing.isPresent()) {
            int format;
            try {
                JsonNode n = JSON.readTree(existing.get());
                JsonNode f = n.path("format");
                format = f.isIntegralNumber() ? f.asInt(-1) : -1;
            } catch (IOException e) {
                throw new IOException("replica " + client.url() + ": " + MANIFEST + " is not valid JSON"
                        + " (the replica is damaged or not a walship replica)", e);
            }
            if (format > FORMAT) {
                throw new IOException("replica " + client.url() + " was written by a newer walship (format " + format
                        + ", this build reads up to " + FORMAT + "); upgrade walship");
            }
            if (format < 1) {
                throw new IOException("replica " + client.url() + ": " + MANIFEST + " has no valid format number");
            }
            return;
        }
        String json = "{\"format\":" + FORMAT + ",\"created\":\"" + Instant.now() + "\",\"writer\":\"walship " + dev.walship.util.Version.get() + "\"}\n";
        client.writeObject(MANIFEST, json.getBytes(StandardCharsets.UTF_8));
    }

    /** True once another sidecar took this replica over; the sidecar must stop. */
    public boolean leaseLost() {
        return leaseLost;
    }

    /** Gives the replica up at shutdown so the next sidecar does not wait for the lease to expire. */
    public void releaseLease() {
        try {
            lease.release();
        } catch (IOException e) {
            log.debug("lease release failed db={} replica={} error=\"{}\"", db, client.url(), e.getMessage());
        }
    }

    public ReplicaClient client() {
        return client;
    }

    public ReplicaIndex index() {
        return index;
    }

    public String lastError() {
        return lastError;
    }

    /** Whether this replica already holds the spooled file (uploaded in this run, or listed at start). */
    public boolean has(FileInfo f) {
        return uploaded.contains(f.name()) || index.contains(f);
    }

    /** Spooled files this replica does not have yet, in upload order. */
    public java.util.List<FileInfo> missing() throws IOException {
        java.util.List<FileInfo> out = new java.util.ArrayList<>();
        for (Spool.Pending p : spool.pending()) if (!has(p.info())) out.add(p.info());
        return out;
    }

    /**
     * Uploads every spooled file this replica lacks, in txid order. Returns false (and keeps the
     * files) when the replica failed; the caller retries with backoff.
     */
    public boolean uploadPending() {
        if (leaseLost) return false;
        try {
            lease.renewIfDue(); // also when idle: the lease must not lapse between commits
            for (Spool.Pending p : spool.pending()) {
                if (has(p.info())) continue;
                // a long backlog must not keep writing past the lease: each upload is gated by it
                lease.renewIfDue();
                client.upload(p.info(), p.path());
                uploaded.add(p.info().name());
                index.add(p.info());
                uploads.incrementAndGet();
                uploadedTxid.accumulateAndGet(p.info().maxTxid(), Math::max);
            }
            if (lastError != null) {
                log.info("replica reachable again db={} replica={} uploaded={}", db, client.url(), uploads.get());
            }
            lastError = null;
            return true;
        } catch (ReplicaLease.HeldException e) {
            leaseLost = true;
            lastError = e.getMessage();
            log.error("replica lease lost, no more writes to this replica db={} error=\"{}\"", db, e.getMessage());
            return false;
        } catch (IOException | RuntimeException e) {
            // A backend's unchecked exception must not kill the upload thread: count it and retry.
            failures.incrementAndGet();
            String msg = e.getMessage() != null && e.getMessage().contains(client.url()) ? e.getMessage()
                    : "upload to " + client.url() + ": " + e.getMessage();
            // One warning per outage; the retries are counted in metrics and logged at debug.
            if (lastError == null) {
                log.warn("replica unavailable, files stay in the spool db={} error=\"{}\"", db, msg);
            } else {
                log.debug("replica still unavailable db={} error=\"{}\"", db, msg);
            }
            lastError = msg;
            return false;
        }
    }

    /** Compaction then retention, at most once per L1 interval. */
    public void maintain() {
        if (leaseLost) return;
        long now = clock.millis();
        if (now < nextMaintenance) return;
        nextMaintenance = now + Math.max(1000, policy.l1IntervalMs());
        try {
            compact(0, policy.l1IntervalMs(), now);
            compact(1, policy.l2IntervalMs(), now);
            List<FileInfo> gone = Retention.expired(index.all(), policy.retention(), now, labels.pinnedTxids());
            if (!gone.isEmpty()) {
                lease.renewIfDue();
                client.delete(gone);
                index.remove(gone);
                log.debug("retention deleted files db={} replica={} count={}", db, client.url(), gone.size());
            }
        } catch (ReplicaLease.HeldException e) {
            leaseLost = true;
            lastError = e.getMessage();
            log.error("replica lease lost, no more writes to this replica db={} error=\"{}\"", db, e.getMessage());
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
            lastError = "maintain " + client.url() + ": " + e.getMessage();
            log.warn("compaction or retention failed db={} error=\"{}\"", db, lastError);
        }
    }

    private void compact(int level, long intervalMs, long now) throws IOException {
        for (CompactionPlanner.Merge m : CompactionPlanner.plan(index.all(), level, intervalMs, now)) {
            Path scratch = spool.newTemp(".pages");
            Path out = spool.newTemp(".seg");
            try {
                FileInfo info = Merger.merge(client, m, scratch, out);
                info = info.withSize(Files.size(out));
                lease.renewIfDue();
                client.upload(info, out);
                index.add(info);
                log.debug("compacted db={} level={} files={} txids={}..{}", db, level + 1, m.inputs().size(),
                        info.minTxid(), info.maxTxid());
            } finally {
                Files.deleteIfExists(scratch);
                Files.deleteIfExists(out);
            }
        }
    }
}
