package dev.walship.db;

import dev.walship.replica.ReplicaClient;
import dev.walship.replica.ReplicaSync;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * Test fixture: one database's follower and one replica's upload loop, driven round by round in this
 * thread with a clock the test owns, as {@link Sidecar} runs them in its threads. {@link #crash()} drops
 * everything without a final sync (what kill -9 leaves on disk); {@link #open()} starts again from the
 * same spool and replica, as a restarted sidecar does.
 */
public final class InProcessSidecar implements AutoCloseable {
    public final Path db;
    public final Path spoolDir;
    private final ReplicaClient replica;
    private final Clock clock;
    private final ReplicaSync.Policy policy;
    private final Duration snapshotInterval;
    private final long checkpointPages;
    private Spool spool;
    private DatabaseFollower follower;
    private ReplicaSync sync;

    public InProcessSidecar(Path db, Path spoolDir, ReplicaClient replica, Clock clock, ReplicaSync.Policy policy,
                            Duration snapshotInterval, long checkpointPages) {
        this.db = db;
        this.spoolDir = spoolDir;
        this.replica = replica;
        this.clock = clock;
        this.policy = policy;
        this.snapshotInterval = snapshotInterval;
        this.checkpointPages = checkpointPages;
    }

    /** Opens the spool (which empties its tmp/), the replica and the follower, like a sidecar start. */
    public InProcessSidecar open() throws IOException {
        spool = new Spool(spoolDir);
        sync = ReplicaSync.open("app", replica, spool, policy, clock);
        follower = DatabaseFollower.start(new DatabaseFollower.Settings(db, "app", snapshotInterval, checkpointPages,
                64L << 20, Duration.ofMillis(100)), spool, sync.index().maxTxid(), clock);
        return this;
    }

    /** One follower step, one upload pass and, if the upload worked, compaction and retention. */
    public boolean round() throws IOException {
        follower.step();
        boolean ok = sync.uploadPending();
        if (ok) sync.maintain();
        cleanSpool();
        return ok;
    }

    /** Only the follower's step: new commits land in the spool, nothing is uploaded. */
    public void step() throws IOException {
        follower.step();
    }

    /** Sidecar's spool cleanup: drops files the replica holds that crash recovery no longer needs. */
    private void cleanSpool() throws IOException {
        long saved = ChecksumRecovery.savedTxid(spool);
        for (Spool.Pending p : spool.pending()) {
            if (sync.has(p.info()) && (p.info().isSnapshot() || p.info().maxTxid() <= saved)) spool.remove(p);
        }
    }

    /** The process dies: no final sync, no lease release; SQLite's locks go with the connections. */
    public void crash() {
        if (follower != null) follower.close();
        follower = null;
        sync = null;
        spool = null;
    }

    /** A clean stop: final sync, upload, lease released. */
    public void stop() throws IOException {
        follower.finalSync();
        if (!sync.uploadPending()) throw new IOException("final upload failed: " + sync.lastError());
        cleanSpool();
        follower.close();
        sync.releaseLease();
        follower = null;
        sync = null;
    }

    public DatabaseFollower follower() {
        return follower;
    }

    public ReplicaSync sync() {
        return sync;
    }

    public Spool spool() {
        return spool;
    }

    @Override
    public void close() {
        crash();
    }
}
