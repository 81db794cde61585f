package dev.walship.db;

import dev.walship.config.DbConfig;
import dev.walship.config.ReplicaSpec;
import dev.walship.config.SidecarConfig;
import dev.walship.replica.ReplicaClient;
import dev.walship.replica.ReplicaFactory;
import dev.walship.replica.ReplicaSync;
import dev.walship.retention.Retention;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs replication for every configured database: one follower thread per database and one upload
 * thread per replica. {@link #stop()} asks for one final sync and upload, then everything ends.
 */
public final class Sidecar {
    private static final Logger log = LoggerFactory.getLogger(Sidecar.class);
    private static final long L1_RETENTION_MS = Duration.ofHours(24).toMillis();
    private static final long FINAL_UPLOAD_WAIT_MS = 10_000;
    /**
     * While a database is quiet and its files are watched, a full step still runs this often: it takes a due
     * periodic snapshot, cleans the spool, and checks the watch itself (a commit that it finds and that no change
     * reported switches that database back to polling).
     */
    static final long QUIET_CHECK_MS = 30_000;
    /**
     * A healthy uploader with nothing new to upload wakes this often, for lease renewal and for compaction and
     * retention. The lease is renewed once a third of its TTL has passed, at the first pass after that: waking
     * every quarter TTL keeps it under 7/12 of its TTL old (17.5 of 30 s), and in a quiet minute renews it at every
     * other wake-up (each renewal costs more CPU than a wake-up).
     */
    static final long UPLOADER_IDLE_MS = ReplicaSync.LEASE_TTL_MS / 4;
    /** While a database is busy, the follower looks this often whether the WAL grew too much to wait. */
    static final long EARLY_CHECK_NANOS = 20_000_000;
    /** The same after a step that found nothing: a burst from idle still wakes it within a tenth of a second. */
    static final long QUIET_EARLY_CHECK_NANOS = 100_000_000;

    private final SidecarConfig config;
    private final Clock clock;
    private final List<Thread> threads = new ArrayList<>();
    /** Copy-on-write: the admin API's threads read it (and each runner's replicas) while it runs. */
    private final List<DbRunner> runners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();
    private volatile boolean stopping;

    private final java.util.Map<String, byte[]> encryptionKeys;

    public Sidecar(SidecarConfig config, Clock clock) {
        this(config, clock, java.util.Map.of());
    }

    /**
     * @param encryptionKeys AES-256 keys by database name; replicas of those databases are encrypted
     *     client-side, and replicas of the others must not be encrypted
     */
    public Sidecar(SidecarConfig config, Clock clock, java.util.Map<String, byte[]> encryptionKeys) {
        this.config = config;
        this.clock = clock;
        this.encryptionKeys = java.util.Map.copyOf(encryptionKeys);
    }

    /** Starts all threads and returns; {@link #await()} blocks until stopped or a fatal error. */
    public void start() {
        for (DbConfig db : config.dbs()) {
            DbRunner r = new DbRunner(db);
            runners.add(r);
            Thread t = new Thread(r::run, "walship-db-" + db.name());
            threads.add(t);
            t.start();
        }
    }

    /** Blocks until every database thread ended; rethrows the first fatal error. */
    public void await() throws IOException, InterruptedException {
        for (Thread t : threads) t.join();
        stopped.countDown();
        Throwable f = fatal.get();
        if (f instanceof IOException io) throw io;
        if (f instanceof RuntimeException re) throw re;
        if (f != null) throw new IOException(f);
    }

    /** Requests a graceful stop: final sync, final upload, exit. Safe to call from a signal handler. */
    public void stop() {
        stopping = true;
        for (DbRunner r : runners) r.wake();
    }

    public SidecarConfig config() {
        return config;
    }

    /** One runner per configured database, in config order (filled by {@link #start()}); a live view. */
    public List<DbRunner> runners() {
        return runners;
    }

    /** True once a stop was requested (signal, or a fatal error): the final sync and upload are under way. */
    public boolean stopping() {
        return stopping;
    }

    /** What a database's runner is doing, for the admin API. */
    public enum Phase { OPENING_REPLICAS, WAITING_FOR_DB, REPLICATING, STOPPED }

    private void fail(Throwable t) {
        fatal.compareAndSet(null, t);
        stop();
    }

    /** Replication of one database: waits for the file, follows it, feeds its replicas. */
    public final class DbRunner {
        private final DbConfig db;
        private final Object signal = new Object();
        /** In the order of {@code config().replicas()}; filled while the runner opens them. */
        private final List<ReplicaSync> replicas = new java.util.concurrent.CopyOnWriteArrayList<>();
        private volatile DatabaseFollower follower;
        private volatile Phase phase = Phase.OPENING_REPLICAS;
        /** Set once the follower's last sync after a stop request is in the spool. */
        private volatile boolean finalSyncDone;
        /** Work for the follower's thread (labelled snapshots, in-place restores), run between steps. */
        private final java.util.concurrent.ConcurrentLinkedQueue<Queued> tasks = new java.util.concurrent.ConcurrentLinkedQueue<>();
        /** Held while a restore of this database runs; a second one is refused. */
        private final java.util.concurrent.atomic.AtomicBoolean restoring = new java.util.concurrent.atomic.AtomicBoolean();

        DbRunner(DbConfig db) {
            this.db = db;
        }

        public DbConfig config() {
            return db;
        }

        public DatabaseFollower follower() {
            return follower;
        }

        public List<ReplicaSync> replicas() {
            return replicas;
        }

        public Phase phase() {
            return phase;
        }

        void wake() {
            synchronized (signal) {
                signal.notifyAll();
            }
        }

        /** The database's replication thread's work, as seen by the admin API. */
        @FunctionalInterface
        public interface FollowerTask<T> {
            T run(DatabaseFollower follower) throws IOException;
        }

        /**
         * Runs {@code task} on this database's replication thread (between two steps, so it never races the
         * follower) and wakes the uploaders afterwards. Fails at once unless the database is replicating.
         */
        public <T> java.util.concurrent.CompletableFuture<T> submit(FollowerTask<T> task) {
            var result = new java.util.concurrent.CompletableFuture<T>();
            if (phase != Phase.REPLICATING || stopping) {
                result.completeExceptionally(new IllegalStateException("db " + db.name() + " is not replicating ("
                        + (stopping ? "walship is stopping" : phase.name().toLowerCase(java.util.Locale.ROOT)) + ")"));
                return result;
            }
            tasks.add(new Queued(() -> {
                try {
                    result.complete(task.run(follower));
                } catch (IOException | RuntimeException e) {
                    result.completeExceptionally(e);
                }
            }, result));
            wake();
            if (phase == Phase.STOPPED) failTasks(); // the thread ended meanwhile: nobody else will
            return result;
        }

        /** Claims the right to restore this database; false while another restore runs. Release with {@link #endRestore()}. */
        public boolean beginRestore() {
            return restoring.compareAndSet(false, true);
        }

        public void endRestore() {
            restoring.set(false);
        }

        /** Wakes the upload threads so that new spool files go out now. */
        public void uploadNow() {
            wakeUploaders();
        }

        /** Runs the queued tasks; true if there was any. */
        private boolean runTasks() {
            boolean any = false;
            for (Queued q; (q = tasks.poll()) != null; any = true) q.run().run();
            return any;
        }

        /** Fails what is still queued once the thread ends. */
        private void failTasks() {
            for (Queued q; (q = tasks.poll()) != null; ) {
                q.future().completeExceptionally(new IllegalStateException("db " + db.name() + " stopped replicating"));
            }
        }

        void run() {
            List<ReplicaClient> clients = new ArrayList<>();
            List<Thread> uploaders = new ArrayList<>();
            try {
                Spool spool = new Spool(db.spoolDir());
                ReplicaSync.Policy policy = new ReplicaSync.Policy(db.l1Interval().toMillis(), db.l2Interval().toMillis(),
                        new Retention.Policy(db.retention().toMillis(), db.l0Retention().toMillis(), L1_RETENTION_MS));
                long replicaMax = 0;
                for (ReplicaSpec spec : db.replicas()) {
                    ReplicaClient plain = ReplicaFactory.open(spec);
                    clients.add(plain);
                    byte[] key = db.encryptionKey() != null ? db.encryptionKey().bytes() : encryptionKeys.get(db.name());
                    ReplicaClient c = dev.walship.replica.crypto.EncryptingReplica.forReplication(plain, key);
                    ReplicaSync rs = ReplicaSync.open(db.name(), c, spool, policy, clock, db.waitForLease(), () -> stopping);
                    replicas.add(rs);
                    replicaMax = Math.max(replicaMax, rs.index().maxTxid());
                }
                if (!awaitDatabase()) return;
                DatabaseFollower.Settings settings = new DatabaseFollower.Settings(db.path(), db.name(),
                        db.snapshotInterval(), db.checkpointPages(), db.maxWalBytes(), db.busyTimeout(), db.spoolMaxBytes());
                follower = DatabaseFollower.start(settings, spool, replicaMax, clock);
                phase = Phase.REPLICATING;
                for (ReplicaSync rs : replicas) {
                    Thread u = new Thread(() -> uploadLoop(rs), "walship-upload-" + db.name());
                    uploaders.add(u);
                    u.start();
                }
                log.info("replicating db={} path={} replicas={}", db.name(), db.path(),
                        db.replicas().stream().map(ReplicaSpec::safeUrl).toList());
                if (!db.validationInterval().isZero()) {
                    Thread v = new Thread(this::validationLoop, "walship-validate-" + db.name());
                    v.setDaemon(true);
                    uploaders.add(v);
                    v.start();
                }
                followLoop(spool);
            } catch (IOException | RuntimeException e) {
                fail(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stopping = true;
                finalSyncDone = true;
                wake();
                wakeUploaders();
                for (Thread u : uploaders) joinQuietly(u);
                for (ReplicaSync rs : replicas) if (!rs.leaseLost()) rs.releaseLease();
                if (follower != null) follower.close();
                for (ReplicaClient c : clients) closeQuietly(c);
                phase = Phase.STOPPED;
                failTasks();
            }
        }

        /** Returns false if asked to stop before the database appeared. */
        private boolean awaitDatabase() throws IOException, InterruptedException {
            boolean announced = false;
            while (!stopping) {
                DbFiles.HeaderState s;
                try {
                    s = DbFiles.inspect(db.path());
                } catch (java.nio.file.AccessDeniedException e) {
                    throw new IOException("database " + db.path() + " is not readable by this user (" + System.getProperty("user.name")
                            + "): give walship's user read/write access, e.g. run the sidecar with the app's uid", e);
                }
                if (s == DbFiles.HeaderState.SQLITE) return true;
                if (s == DbFiles.HeaderState.NOT_SQLITE) {
                    throw new IOException("database " + db.path() + " is not a SQLite database (its header is not"
                            + " \"SQLite format 3\"); point --db at the app's SQLite file");
                }
                if (!announced) {
                    phase = Phase.WAITING_FOR_DB;
                    log.info("waiting for database to appear db={} path={}", db.name(), db.path());
                    announced = true;
                }
                synchronized (signal) {
                    signal.wait(500);
                }
            }
            return false;
        }

        private void followLoop(Spool spool) throws IOException, InterruptedException {
            // sync-on-commit wakes on every change, so its watch stays on. Otherwise the database's files are
            // watched only while it is quiet: a busy writer makes the kernel report thousands of changes a second,
            // and reading them took a third of a core from the follower under the benchmark's max-rate writer.
            DbWatcher watcher = db.syncOnCommit() ? watch() : null;
            boolean watchable = !db.syncOnCommit() || watcher != null;
            DbWatcher quietWatch = null; // lives across one quiet sleep and the step after it
            long backoff = 0;
            boolean quietTimedOut = false;
            try {
                while (true) {
                    boolean last = stopping;
                    DbWatcher w = watcher != null ? watcher : quietWatch;
                    long seen = w == null ? 0 : w.changes();
                    long spooledBefore = spooled();
                    long syncsBefore = follower.metrics().syncs.get();
                    try {
                        if (last) follower.finalSync(); else follower.step();
                        backoff = 0;
                        cleanSpool(spool);
                    } catch (IOException e) {
                        if (last) throw e;
                        follower.metrics().errors.incrementAndGet();
                        backoff = Math.min(Math.max(backoff * 2, 100), 10_000);
                        log.warn("sync failed, retrying db={} in={}ms error=\"{}\"", db.name(), backoff, e.getMessage());
                    }
                    boolean ranTasks = !last && runTasks();
                    boolean spooledNew = spooled() != spooledBefore;
                    // The uploaders sleep until there is something to upload (or their own work is due).
                    if (last || ranTasks || spooledNew) wakeUploaders();
                    if (last) return;
                    // A step after a quiet wait that no change ended: did it find a commit nobody reported?
                    boolean unreported = quietTimedOut && follower.metrics().syncs.get() != syncsBefore;
                    quietTimedOut = false;
                    if (unreported && w != null && w.changes() == seen) {
                        log.warn("file change notifications missed a commit db={} path={}; polling every sync-interval"
                                + " from now on", db.name(), db.path());
                        watchable = false;
                        if (watcher != null) watcher.close();
                        watcher = null;
                    }
                    if (quietWatch != null) quietWatch.close();
                    quietWatch = null;
                    if (!tasks.isEmpty()) continue;
                    long wait = Math.max(backoff, db.syncInterval().toMillis());
                    if (backoff == 0 && follower.behind()) wait = 5; // the writer outpaces us: catch up first
                    long stepEnd = System.nanoTime();
                    long until = stepEnd + wait * 1_000_000;
                    if (watcher != null && backoff == 0) {
                        if (sleepUntil(until, watcher, seen)) continue; // sync-on-commit: the next change ends the wait
                    } else if (backoff == 0) {
                        // Commits are batched per interval, unless a fast writer commits too much to wait for.
                        // After a step that found nothing, look less often: an idle sidecar wakes for nothing.
                        long look = spooledNew || follower.behind() ? EARLY_CHECK_NANOS : QUIET_EARLY_CHECK_NANOS;
                        if (sleepLooking(until, follower::walGrewTooMuchToWait, look)) continue;
                    } else {
                        sleepUntil(until, null, 0);
                    }
                    // Quiet: nothing new, nothing pending. Sleep until the database's files change instead of
                    // stepping every interval; a change wakes at once, so a commit still ships within the interval.
                    boolean quiet = backoff == 0 && !spooledNew && !follower.behind() && !follower.isSpoolFull();
                    if (!quiet || !watchable || stopping || !tasks.isEmpty()) continue;
                    DbWatcher qw = watcher;
                    if (qw == null) {
                        qw = quietWatch = watch();
                        if (qw == null) {
                            watchable = false;
                            continue;
                        }
                    }
                    long qseen = qw.changes();
                    // A commit between the step and the start of a new watch was reported to nobody.
                    if (watcher == null && follower.changedSinceLastStep()) continue;
                    long quietUntil = stepEnd + Math.max(QUIET_CHECK_MS, wait) * 1_000_000;
                    quietTimedOut = !sleepUntil(quietUntil, qw, qseen) && !stopping && tasks.isEmpty();
                }
            } finally {
                if (watcher != null) watcher.close();
                if (quietWatch != null) quietWatch.close();
            }
        }

        /** Watches the database's files, or returns null (and the follower polls every sync interval). */
        private DbWatcher watch() {
            try {
                return new DbWatcher(db.path(), () -> {
                    if (awaitingChange) wake();
                });
            } catch (IOException | RuntimeException e) {
                String what = db.syncOnCommit() ? "sync-on-commit falls back to" : "walship keeps";
                log.warn("cannot watch {} for changes ({}); {} polling every sync-interval db={}", db.path().getParent(),
                        e.getMessage(), what, db.name());
                return null;
            }
        }

        /** True while the follower sleeps in {@link #sleepUntil} with a watcher: only then do changes wake it. */
        private volatile boolean awaitingChange;

        /**
         * Sleeps until {@code until} ({@link System#nanoTime()}), a stop request or a queued task, or, with a
         * {@code watcher}, a change reported after the reading {@code seen}. Returns true on such a change.
         */
        private boolean sleepUntil(long until, DbWatcher watcher, long seen) throws InterruptedException {
            awaitingChange = watcher != null;
            try {
                synchronized (signal) {
                    while (!stopping && tasks.isEmpty()) {
                        if (watcher != null && watcher.changes() != seen) return true;
                        long left = until - System.nanoTime();
                        if (left <= 0) return false;
                        signal.wait(Math.max(1, left / 1_000_000));
                    }
                    return false;
                }
            } finally {
                awaitingChange = false;
            }
        }

        /**
         * Sleeps until {@code until} ({@link System#nanoTime()}), a stop request or a queued task, looking every
         * {@code lookNanos} whether {@code worthWaking} says to end the sleep early (true then).
         */
        private boolean sleepLooking(long until, java.util.function.BooleanSupplier worthWaking, long lookNanos)
                throws InterruptedException {
            while (true) {
                synchronized (signal) {
                    if (stopping || !tasks.isEmpty()) return false;
                    long left = until - System.nanoTime();
                    if (left <= 0) return false;
                    signal.wait(Math.max(1, Math.min(left, lookNanos) / 1_000_000));
                    if (stopping || !tasks.isEmpty()) return false;
                }
                if (worthWaking.getAsBoolean()) return true; // outside the lock: it reads a file
            }
        }

        /** Files the follower has put in the spool so far (segments and snapshots). */
        private long spooled() {
            return follower.metrics().syncs.get() + follower.metrics().snapshots.get();
        }

        /** Validates every replica each validation-interval, starting one interval after replication began. */
        private void validationLoop() {
            long interval = db.validationInterval().toMillis();
            try {
                while (true) {
                    synchronized (signal) {
                        long until = System.currentTimeMillis() + interval;
                        while (!stopping && System.currentTimeMillis() < until) {
                            signal.wait(Math.max(1, until - System.currentTimeMillis()));
                        }
                    }
                    if (stopping) return;
                    Validator.validateAll(this, clock);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private final Object uploadSignal = new Object();
        /** Counts {@link #wakeUploaders()} calls (guarded by uploadSignal): a wake-up is not lost while an upload runs. */
        private long uploadRequests;

        private void wakeUploaders() {
            synchronized (uploadSignal) {
                uploadRequests++;
                uploadSignal.notifyAll();
            }
        }

        private void uploadLoop(ReplicaSync rs) {
            long backoff = 0;
            long stopDeadline = Long.MAX_VALUE;
            while (true) {
                long seen;
                synchronized (uploadSignal) {
                    seen = uploadRequests;
                }
                boolean ok = rs.uploadPending();
                if (rs.leaseLost()) {
                    fail(new IOException(rs.lastError()));
                    return;
                }
                if (ok) rs.maintain();
                if (stopping) {
                    if (stopDeadline == Long.MAX_VALUE) stopDeadline = System.currentTimeMillis() + FINAL_UPLOAD_WAIT_MS;
                    if (ok && finalSyncDone) return;
                    if (System.currentTimeMillis() > stopDeadline) {
                        warnNotUploaded(rs);
                        return;
                    }
                }
                // Healthy: sleep until the follower spools something (or a stop, or uploadNow), or until the
                // lease or maintenance may be due. Failing: exponential backoff with jitter; the spool keeps the
                // data, and new spool files never cut a backoff short.
                backoff = ok ? 0 : Math.min(Math.max(backoff * 2, 200), 60_000);
                long wait = ok ? Math.max(db.syncInterval().toMillis(), UPLOADER_IDLE_MS)
                        : backoff / 2 + (long) (Math.random() * backoff / 2);
                long until = System.currentTimeMillis() + Math.max(1, wait);
                synchronized (uploadSignal) {
                    try {
                        if (ok) {
                            while (uploadRequests == seen && System.currentTimeMillis() < until) {
                                uploadSignal.wait(Math.max(1, until - System.currentTimeMillis()));
                            }
                        } else {
                            do {
                                uploadSignal.wait(Math.max(1, until - System.currentTimeMillis()));
                            } while (!stopping && System.currentTimeMillis() < until);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }

        /** At shutdown with a replica still unreachable: say what stays in the spool, loudly. */
        private void warnNotUploaded(ReplicaSync rs) {
            try {
                var missing = rs.missing();
                if (missing.isEmpty()) return;
                log.warn("stopping with files not yet on replica db={} replica={} files={} txids={}..{}; they stay in the"
                        + " spool {} and are uploaded at the next start", db.name(), rs.client().url(), missing.size(),
                        missing.get(0).minTxid(), missing.get(missing.size() - 1).maxTxid(), db.spoolDir());
            } catch (IOException e) {
                log.warn("stopping while replica is unreachable db={} replica={}; unuploaded files stay in the spool {}",
                        db.name(), rs.client().url(), db.spoolDir());
            }
        }

        /** Drops spooled files that every replica holds and that crash recovery no longer needs. */
        private void cleanSpool(Spool spool) throws IOException {
            long saved = ChecksumRecovery.savedTxid(spool);
            for (Spool.Pending p : spool.pending()) {
                boolean everywhere = replicas.stream().allMatch(r -> r.has(p.info()));
                if (everywhere && (p.info().isSnapshot() || p.info().maxTxid() <= saved)) spool.remove(p);
            }
        }
    }

    private record Queued(Runnable run, java.util.concurrent.CompletableFuture<?> future) {}

    private static void joinQuietly(Thread t) {
        try {
            t.join(FINAL_UPLOAD_WAIT_MS + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(ReplicaClient c) {
        try {
            c.close();
        } catch (IOException e) {
            log.debug("closing replica client failed replica={} error=\"{}\"", c.url(), e.getMessage());
        }
    }
}
