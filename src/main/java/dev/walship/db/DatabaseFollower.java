package dev.walship.db;

import dev.walship.segment.DbChecksum;
import dev.walship.wal.EmptyWalException;
import dev.walship.wal.ShmInfo;
import dev.walship.wal.ShmReader;
import dev.walship.wal.WalException;
import dev.walship.wal.WalHeader;
import dev.walship.wal.WalPosition;
import dev.walship.wal.WalReader;
import dev.walship.wal.WalScan;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one database's WAL: copies every committed transaction into the spool as L0 segments,
 * checkpoints the WAL itself, takes snapshots, and recovers from every continuity break with a fresh
 * snapshot. Single-threaded: one {@link #step()} at a time. See docs/REPLICATION.md for why it is safe.
 *
 * <p>Owns its SQLite connections and its file channels; {@link #close()} releases them (connections
 * first: closing a descriptor of the database or -shm file drops this process's POSIX locks).
 */
public final class DatabaseFollower implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(DatabaseFollower.class);
    private static final long CHECKSUM_SAVE_INTERVAL_MS = 30_000;
    private static final int SNAPSHOT_ATTEMPTS = 5;

    /** Settings the follower needs (a subset of the database's configuration). */
    public record Settings(Path db, String name, Duration snapshotInterval, long checkpointPages, long maxWalBytes,
                           Duration busyTimeout, long spoolMaxBytes) {
        /** Settings without a spool bound. */
        public Settings(Path db, String name, Duration snapshotInterval, long checkpointPages, long maxWalBytes,
                        Duration busyTimeout) {
            this(db, name, snapshotInterval, checkpointPages, maxWalBytes, busyTimeout, 0);
        }
    }

    private final Settings settings;
    private final Spool spool;
    private final Clock clock;
    private final FollowerMetrics metrics = new FollowerMetrics();

    private SqliteLocks locks;
    private FileChannel dbFile;
    private FileChannel shmFile;
    private FileChannel walFile;
    private String walSource;
    private String inode;
    private int pageSize;

    private WalPosition pos;
    private long lastTxid;
    private long lastTime;
    private DbChecksum checksum;
    private long checksumSavedTxid = -1;
    private long checksumSavedAt;
    private long lastSnapshotAt;
    private long lastObservedWalLength = -1;
    private boolean readerProtects;
    /** The last snapshot was taken while the WAL was empty: the database file alone was its content. */
    private boolean emptyWalBase;
    private CommitWitness witness;

    /**
     * @param replicaMaxTxid the highest txid any replica already holds; new txids start above it
     */
    private DatabaseFollower(Settings settings, Spool spool, Clock clock) {
        this.settings = settings;
        this.spool = spool;
        this.clock = clock;
    }

    /**
     * Opens the database (which must exist and be SQLite), switches it to WAL mode if needed, and
     * resumes from the spool state or takes a first snapshot. {@code replicaMaxTxid} is the highest
     * txid already stored in any replica: walship never reuses a txid.
     */
    public static DatabaseFollower start(Settings settings, Spool spool, long replicaMaxTxid, Clock clock)
            throws IOException {
        DatabaseFollower f = new DatabaseFollower(settings, spool, clock);
        try {
            f.open();
            f.resume(replicaMaxTxid);
            return f;
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    public FollowerMetrics metrics() {
        return metrics;
    }

    public long lastTxid() {
        return lastTxid;
    }

    /** When walship copied {@link #lastTxid()} (epoch ms). */
    public long lastTime() {
        return lastTime;
    }

    /**
     * Ships every commit up to now, then takes a snapshot of that state (same txid as the last commit) into
     * the spool: the base of a labelled snapshot. Call on the follower's thread only.
     */
    public dev.walship.segment.FileInfo snapshotNow(String reason) throws IOException {
        if (!inode.equals(DbFiles.identity(settings.db()))) step(); // a replaced database gets its own snapshot first
        snapshot(reason, false);
        return lastSnapshot;
    }

    private dev.walship.segment.FileInfo lastSnapshot;

    /** The live database's whole-database checksum at txid {@code txid}. */
    public record LiveChecksum(long txid, long checksum) {}

    /**
     * Reads the live database (file overlaid with the WAL, inside walship's read transaction) at the last
     * shipped txid and hashes it, for validation against a replica. Call on the follower's thread only.
     */
    public LiveChecksum readLive() throws IOException {
        for (int attempt = 1; attempt <= SNAPSHOT_ATTEMPTS; attempt++) {
            renewReaderForSnapshot();
            sync(false);
            WalPosition at = pos;
            DbChecksum live;
            try {
                live = SnapshotTaker.hash(dbFile, walFile, walSource, at, pageSize);
            } catch (SnapshotTaker.WalGenerationChanged | ContinuityBreak e) {
                continue;
            }
            if (!stillConsistent(at)) continue;
            renewReader();
            return new LiveChecksum(lastTxid, live.value());
        }
        throw new IOException("read " + settings.db() + " for validation: checkpoints kept moving the WAL ("
                + SNAPSHOT_ATTEMPTS + " attempts; walship retries at the next validation)");
    }

    /**
     * True when the WAL is still longer than the checkpoint threshold after a step: the writer
     * outpaces one step per sync interval, so the next step should run at once.
     */
    public boolean behind() {
        return behind;
    }

    /**
     * Set by every step: it copied more than a quarter of max-wal-size (waiting a whole sync interval at
     * that rate would let the WAL outgrow the limit), or more than a checkpoint's worth already waits.
     */
    private boolean behind;
    /** Frames the current step copied, over all its syncs. */
    private long framesThisStep;

    /** The WAL index (-shm) header as it is now: one small read, no scan; empty while being rewritten. */
    private Optional<ShmInfo> index() throws IOException {
        Optional<ShmInfo> shm = ShmReader.read(shmFile);
        return shm.isPresent() && shm.get().stable() ? shm : Optional.empty();
    }

    /**
     * Committed frames of the current WAL generation that walship has not copied yet, per {@code index}. All
     * of the index's frames when it belongs to another generation (a restart walship has not followed yet),
     * 0 without an index; the file's length says nothing here, because SQLite reuses a restarted WAL from
     * the top.
     */
    private long unshippedFrames(Optional<ShmInfo> index) {
        if (index.isEmpty()) return 0;
        ShmInfo i = index.get();
        if (pos == null) return i.mxFrame(); // the WAL was empty at the last copy
        // Another generation: the app restarted the WAL after walship's checkpoint, and all of it is new.
        if (i.salt1() != pos.salt1() || i.salt2() != pos.salt2()) return i.mxFrame();
        return Math.max(0, i.mxFrame() - pos.frame());
    }

    private long frameBytes() {
        return pageSize + (long) WalPosition.FRAME_HEADER_SIZE;
    }

    /**
     * The WAL generation walship copied last holds checkpoint-pages frames or more; or the app's writer
     * restarted the WAL after walship's last checkpoint and has already committed a quarter of max-wal-size
     * into it (a fast writer: copying it without the lock first would let the WAL grow while walship
     * copies; the checkpoint's copy under the lock follows the restart). From the WAL index.
     */
    private boolean checkpointDue() throws IOException {
        if (pos == null) return false;
        Optional<ShmInfo> index = index();
        if (index.isEmpty()) return false;
        ShmInfo i = index.get();
        if (i.salt1() == pos.salt1() && i.salt2() == pos.salt2()) return pos.frame() >= settings.checkpointPages();
        return i.mxFrame() * frameBytes() >= settings.maxWalBytes() / 4;
    }

    public Path db() {
        return settings.db();
    }

    public Spool spool() {
        return spool;
    }

    private void open() throws IOException {
        Path db = settings.db();
        locks = SqliteLocks.open(db, settings.busyTimeout());
        if (locks.ensureWal()) {
            log.info("switched database to WAL mode db={}", settings.name());
        }
        pageSize = locks.pageSize();
        // A read transaction makes SQLite create the -wal and -shm files before we open them.
        locks.rollReader();
        inode = DbFiles.identity(db);
        dbFile = FileChannel.open(db);
        shmFile = FileChannel.open(DbFiles.shm(db));
        witness = new CommitWitness(shmFile);
        walFile = FileChannel.open(DbFiles.wal(db));
        walSource = DbFiles.wal(db).toString();
    }

    /** Picks up where the spool state says, or starts over with a snapshot when it can't prove continuity. */
    private void resume(long replicaMaxTxid) throws IOException {
        FollowerState st = spool.loadState();
        // A kill between publishing a file to the spool and recording it in state.json leaves the file
        // behind, and it is still uploaded: its txids (and time) are taken, never handed out again.
        long spooledMax = 0;
        long spooledTime = 0;
        for (Spool.Pending p : spool.pending()) {
            spooledMax = Math.max(spooledMax, p.info().maxTxid());
            spooledTime = Math.max(spooledTime, p.info().maxTime());
        }
        lastTxid = Math.max(Math.max(st.lastTxid(), replicaMaxTxid), spooledMax);
        lastTime = Math.max(st.lastTime(), spooledTime);
        lastSnapshotAt = st.lastSnapshotAt();
        metrics.lastTxid.set(lastTxid);
        metrics.lastTime.set(lastTime);
        String why = null;
        if (st.position() == null) {
            why = "no previous position";
        } else if (!inode.equals(st.dbInode())) {
            why = "database file is not the one walship followed before";
        } else if (replicaMaxTxid > st.lastTxid()) {
            why = "a replica holds txid " + replicaMaxTxid + ", newer than the spool's " + st.lastTxid();
        } else if (spooledMax > st.lastTxid()) {
            why = "the spool holds txid " + spooledMax + ", newer than its recorded state's " + st.lastTxid()
                    + " (stopped between writing a segment and recording it)";
        } else if (st.position().pageSize() != pageSize) {
            why = "page size changed";
        } else {
            Optional<DbChecksum> table = ChecksumRecovery.recover(spool, st, pageSize);
            if (table.isEmpty()) {
                why = "page-hash table could not be recovered from the spool";
            } else {
                checksum = table.get();
                pos = st.position();
                checksumSavedTxid = st.checksumTxid();
            }
        }
        if (why != null) {
            snapshot(why, true);
            return;
        }
        if (walFile.size() < WalHeader.SIZE) {
            // The last connection to close checkpoints and deletes the WAL: fine if the checkpointed
            // file is exactly what walship had shipped. Also at frame 0 (walship had followed a restart
            // before the generation's first commit): the app may have committed and checkpointed since.
            if (!SnapshotTaker.fileMatches(dbFile, checksum)) {
                snapshot("database changed while walship was stopped and its WAL is gone", true);
                return;
            }
            pos = null;
            emptyWalBase = true;
            witness.observe(pos);
        }
        log.info("resuming db={} txid={} frame={}", settings.name(), lastTxid, pos == null ? 0 : pos.frame());
        try {
            step();
        } catch (ContinuityBreak b) {
            snapshot(b.getMessage(), true);
        }
    }

    /**
     * One round: detect a replaced database, ship new commits, checkpoint if the WAL is long, take a
     * periodic snapshot when due. A continuity break is answered here with a snapshot.
     */
    public void step() throws IOException {
        behind = false;
        framesThisStep = 0;
        if (spoolFull()) return;
        try {
            if (tableLost != null) throw new ContinuityBreak(tableLost); // an earlier snapshot for it failed
            if (!inode.equals(DbFiles.identity(settings.db()))) {
                reopen();
                throw new ContinuityBreak("database file was replaced");
            }
            // Over the limit since the last step: copy what is new and checkpoint in one go, so a moderate
            // writer costs one segment (one PUT) per step, not three.
            if (checkpointDue()) {
                if (!catchUp() || !checkpoint()) sync(true);
            } else {
                sync(true);
            }
            if (clock.millis() - lastSnapshotAt >= settings.snapshotInterval().toMillis()) {
                snapshot("periodic snapshot", false);
            }
            maybeSaveChecksum(false);
            Optional<ShmInfo> index = index();
            behind = framesThisStep * pageSize >= settings.maxWalBytes() / 4
                    || unshippedFrames(index) >= settings.checkpointPages();
            stepEndChange = index.map(ShmInfo::change).orElse(-1L);
        } catch (ContinuityBreak b) {
            metrics.breaks.incrementAndGet();
            log.warn("continuity break, taking a fresh snapshot db={} reason=\"{}\"", settings.name(), b.getMessage());
            snapshot(b.getMessage(), true);
        }
    }

    private boolean spoolWasFull;
    /** Why the page-hash table cannot be trusted until the next snapshot replaces it, or null. */
    private String tableLost;

    /**
     * While the spool holds more than spool-max-size (replicas unreachable for long), walship stops
     * copying: the WAL keeps every frame (walship's read lock stops checkpoints past what it copied),
     * so nothing is lost, and copying resumes once uploads drain the spool.
     */
    private boolean spoolFull() throws IOException {
        boolean full = settings.spoolMaxBytes() > 0 && spool.pendingBytes() >= settings.spoolMaxBytes();
        if (full && !spoolWasFull) {
            log.warn("spool is full, pausing replication until replicas catch up db={} spool={} limit={}; the WAL"
                    + " grows meanwhile", settings.name(), spool.dir(), settings.spoolMaxBytes());
        } else if (!full && spoolWasFull) {
            log.info("spool has room again, resuming db={}", settings.name());
        }
        spoolWasFull = full;
        metrics.spoolFull.set(full ? 1 : 0);
        return full;
    }

    public boolean isSpoolFull() {
        return spoolWasFull;
    }

    /** Ships everything committed after the current position; optionally renews the read lock afterwards. */
    private void sync(boolean roll) throws IOException {
        long started = System.nanoTime();
        WalHeader h;
        try {
            h = WalReader.readHeader(walFile, walSource);
        } catch (EmptyWalException e) {
            if (pos != null && pos.frame() > 0) {
                if (!witness.accountsFor(null, null)) {
                    throw new ContinuityBreak("WAL was truncated by another connection before walship copied it");
                }
                log.debug("followed WAL truncation db={}", settings.name());
                pos = null;
            }
            lastObservedWalLength = 0;
            witness.observe(pos);
            return;
        } catch (WalException e) {
            throw new ContinuityBreak("WAL header unreadable: " + e.getMessage(), e);
        }
        if (h.pageSize() != pageSize) throw new ContinuityBreak("page size changed from " + pageSize + " to " + h.pageSize());
        if (pos == null) adoptFirstGeneration(h);
        if (!pos.sameGeneration(h)) followRestart(h);
        if (walFile.size() < pos.byteLength()) throw new ContinuityBreak("WAL is shorter than walship's position");
        // Pin the frames about to be copied: with a read lock on them, no one can restart the WAL under us.
        if (roll && !locks.holdsReader()) renewReader();

        WalShipper.Shipped s;
        try {
            s = WalShipper.ship(walFile, walSource, pos, lastTxid, this::nextTime, checksum, spool);
        } catch (IOException e) {
            // The copy failed after the page-hash table took some of the pages: rebuild the table as of
            // the last shipped txid before anything else uses it. Also for a WAL that changed: the
            // snapshot that answers the break can fail too (a full spool fails both), and the next
            // sync must not build on a table holding pages that were never shipped.
            Optional<DbChecksum> back = ChecksumRecovery.recover(spool,
                    new FollowerState(pos, lastTxid, lastTime, inode, checksumSavedTxid, lastSnapshotAt), pageSize);
            if (back.isEmpty()) {
                tableLost = "page-hash table lost after a failed copy";
                throw new ContinuityBreak(tableLost, e);
            }
            checksum = back.get();
            if (e instanceof WalException) {
                throw new ContinuityBreak("WAL changed while walship copied it: " + e.getMessage(), e);
            }
            throw new IOException("write to spool " + spool.dir() + ": " + e.getMessage()
                    + " (free space or raise spool-max-size; walship keeps the WAL until then)", e);
        }
        lastObservedWalLength = walFile.size();
        warnIfCorrupt(s.scan());
        if (s.file() != null) framesThisStep += s.end().frame() - s.scan().txns().get(0).firstFrame() + 1;
        if (s.file() != null) {
            pos = s.end();
            witness.shipped(s.txns());
            lastTxid = s.lastTxid();
            lastTime = s.time();
            saveState();
            metrics.recordSync(s.txns(), s.file().size(), System.nanoTime() - started, lastTxid, lastTime);
            if (log.isDebugEnabled()) {
                log.debug("shipped db={} txns={} frames={}..{} bytes={} ms={}", settings.name(), s.txns(),
                        s.scan().txns().get(0).firstFrame(), pos.frame(), s.file().size(),
                        (System.nanoTime() - started) / 1_000_000);
            }
        }
        metrics.walBytes.set(lastObservedWalLength);
        warnIfWalLarge();
        boolean idle = witness.observe(pos);
        // framesThisStep: right after walship's own checkpoint a busy writer may not have committed into the
        // new generation yet, which looks idle; without the lock, its auto-checkpoint could restart the WAL
        // past frames walship never saw.
        if (idle && s.file() == null && framesThisStep == 0) {
            // A quiet database, everything copied and checkpointed: the read lock protects nothing
            // now, and holding it would make an app's RESTART/TRUNCATE checkpoint wait for it. The
            // commit counter proves the next restart lossless instead. Under load the lock is kept.
            locks.endReaders();
            readerProtects = false;
        } else if (roll && (s.file() != null || !locks.holdsReader())) {
            renewReader();
        }
    }

    /** The WAL has new salts: accept the restart only if it provably lost nothing. */
    private void followRestart(WalHeader h) throws IOException {
        Optional<ShmInfo> index = witness.indexNow(); // before the scan: see CommitWitness#accountsFor
        WalScan fresh = WalReader.scan(walFile, WalPosition.start(h), walSource);
        long newFrames = fresh.end().frame() + fresh.framesAfterLastCommit();
        if (!ContinuityRule.lossless(walFile, pos, h, newFrames, lastObservedWalLength)
                && !witness.accountsFor(h, fresh, index)) {
            throw new ContinuityBreak("WAL was restarted (checkpoint sequence " + pos.checkpointSeq() + " -> "
                    + h.checkpointSeq() + ") and walship cannot prove it had copied every frame");
        }
        log.debug("followed WAL restart db={} seq={}", settings.name(), h.checkpointSeq());
        pos = WalPosition.start(h);
    }

    /**
     * The WAL was empty at the last snapshot and now has frames. They continue the snapshot only if
     * no checkpoint changed the database file in between (a checkpoint must precede any restart),
     * which walship proves by re-hashing the file against the snapshot's checksum.
     */
    private void adoptFirstGeneration(WalHeader h) throws IOException {
        Optional<ShmInfo> index = witness.indexNow();
        if (witness.accountsFor(h, WalReader.scan(walFile, WalPosition.start(h), walSource), index)) {
            emptyWalBase = false;
            pos = WalPosition.start(h);
            return;
        }
        if (!emptyWalBase || checksum == null) throw new ContinuityBreak("no WAL position");
        if (!SnapshotTaker.fileMatches(dbFile, checksum)) throw new ContinuityBreak("database file changed while the WAL was empty");
        emptyWalBase = false;
        pos = WalPosition.start(h);
    }

    /**
     * SQLite itself stops at a bad frame; if the index says more was committed, the WAL is damaged.
     * A frame that was still being written when the scan passed it also fails its checksum, so the
     * frame is read again before anything is reported.
     */
    private void warnIfCorrupt(WalScan scan) throws IOException {
        if (scan.stop() != WalScan.StopReason.CHECKSUM_MISMATCH) return;
        Optional<ShmInfo> shm = ShmReader.read(shmFile);
        if (shm.isEmpty() || !shm.get().stable() || !shm.get().matches(scan.header())
                || shm.get().mxFrame() < scan.stopFrame()) {
            return;
        }
        WalScan again = WalReader.scan(walFile, scan.end(), walSource);
        if (again.stop() != WalScan.StopReason.CHECKSUM_MISMATCH || again.stopFrame() != scan.stopFrame()) return;
        metrics.corruptFrames.incrementAndGet();
        log.warn("wal frame failed its checksum and was not shipped db={} frame={}; walship will take a"
                + " fresh snapshot after the next checkpoint", settings.name(), scan.stopFrame());
    }

    private boolean walTooLarge;

    /** The WAL only outgrows the limit when something (a long read transaction) blocks checkpoints. */
    private void warnIfWalLarge() {
        boolean large = lastObservedWalLength > settings.maxWalBytes();
        if (large && !walTooLarge) {
            log.warn("wal file is larger than max-wal-size db={} bytes={} limit={}; a long-running read transaction"
                    + " is probably blocking checkpoints", settings.name(), lastObservedWalLength, settings.maxWalBytes());
        }
        walTooLarge = large;
    }

    public boolean walTooLarge() {
        return walTooLarge;
    }

    /** Starts a new read transaction before ending the old one, then checks whether it pins the WAL. */
    private void renewReader() throws IOException {
        long lastCommit = pos == null ? 0 : pos.frame();
        locks.rollReader();
        readerProtects = false;
        if (lastCommit == 0) return;
        // The new reader uses WAL slot >= 1 (and so blocks WAL restarts) unless the WAL was fully
        // checkpointed when it began; nBackfill only grows within a generation, so this proves it.
        Optional<ShmInfo> shm = ShmReader.read(shmFile);
        WalHeader h;
        try {
            h = WalReader.readHeader(walFile, walSource);
        } catch (EmptyWalException e) {
            return; // truncated since the last sync: the next sync follows or breaks
        }
        readerProtects = shm.isPresent() && shm.get().stable() && pos.sameGeneration(h) && shm.get().matches(h)
                && shm.get().nBackfill() < lastCommit;
    }

    /** Frames left behind by the last copy above which walship copies again before taking the write lock. */
    /** Uncopied WAL bytes that the checkpoint may copy under the write lock (about 40 ms of copying). */
    private static final long LOCKED_COPY_BYTES = 16L << 20;
    /** The most the checkpoint copies under the lock (about 150 ms) while the WAL is within max-wal-size. */
    private static final long MAX_LOCKED_COPY_BYTES = 64L << 20;
    private static final int CATCH_UP_ROUNDS = 4;

    /**
     * Before the checkpoint takes SQLite's write lock, copy without it while a fast writer has appended
     * much: whatever is still uncopied then is copied under the lock, with the app's writers waiting.
     * Each round takes time proportional to the tail it copies, so the tail shrinks quickly when walship
     * copies faster than the app writes, and the rounds are bounded when it does not.
     *
     * @return whether the tail is now short enough to copy under the lock
     */
    private boolean catchUp() throws IOException {
        for (int round = 0; ; round++) {
            Optional<ShmInfo> index = index();
            long tail = unshippedFrames(index) * frameBytes();
            long wal = index.map(ShmInfo::mxFrame).orElse(0L) * frameBytes(); // the live generation
            if (round == CATCH_UP_ROUNDS) return tail <= MAX_LOCKED_COPY_BYTES || wal >= settings.maxWalBytes();
            if (tail <= LOCKED_COPY_BYTES) return true;
            // Past half of max-wal-size, stop racing the writer: the checkpoint copies the rest with the app's
            // writers waiting. That bounds the WAL, at the cost of slowing a writer faster than walship.
            if (tail <= MAX_LOCKED_COPY_BYTES && wal >= settings.maxWalBytes() / 2) return true;
            // Past max-wal-size, whatever the tail: without this a writer that once got more than the locked
            // limit ahead would keep the WAL from ever being checkpointed while it writes.
            if (wal >= settings.maxWalBytes()) return true;
            sync(true);
        }
    }

    /**
     * Whether the app committed (the WAL index's commit counter moved) or the database file was replaced since
     * the last step ended: the check the follow loop makes after it starts watching the files, for a change that
     * came before the watch. An unreadable index counts as yes.
     */
    public boolean changedSinceLastStep() {
        try {
            Optional<ShmInfo> index = index();
            return index.isEmpty() || index.get().change() != stepEndChange
                    || !inode.equals(DbFiles.identity(settings.db()));
        } catch (IOException e) {
            return true;
        }
    }

    /** The WAL index's commit counter when the last step ended (-1: unknown). */
    private long stepEndChange = -1;

    /**
     * Whether so much was committed since the last step that the follower should not wait out its sync
     * interval: a quarter of max-wal-size. Waiting longer would let a fast writer grow the WAL past the
     * limit before walship copies and checkpoints it; a moderate writer (less than that per interval)
     * still gets one batch, one segment, per interval. One small read of the WAL index; call on the
     * follower's thread. An unreadable index counts as yes: the step that follows reports what is wrong.
     */
    public boolean walGrewTooMuchToWait() {
        try {
            return unshippedFrames(index()) * frameBytes() >= settings.maxWalBytes() / 4;
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * walship's own checkpoint. Under SQLite's write lock (held for milliseconds) nothing can be
     * appended, so after copying the tail walship knows the WAL ends exactly at its position; it
     * then lets a PASSIVE checkpoint copy everything back into the database. The next writer restarts
     * the WAL, which {@link #followRestart} accepts because nothing was left behind.
     */
    private boolean checkpoint() throws IOException {
        long started = System.nanoTime();
        WalPosition at;
        if (!locks.tryWriteLock(settings.busyTimeout())) {
            log.debug("checkpoint skipped, app holds the write lock db={}", settings.name());
            return false;
        }
        long locked = System.nanoTime();
        long copied = locked;
        long[] r;
        try {
            sync(false);
            at = pos;
            copied = System.nanoTime();
            locks.endReaders();
            r = locks.checkpointPassive();
        } finally {
            locks.releaseWriteLock();
        }
        metrics.recordCheckpoint(System.nanoTime() - started);
        log.debug("checkpoint db={} busy={} wal-frames={} checkpointed={} lock-wait-ms={} locked-ms={} copy-ms={}",
                settings.name(), r[0], r[1], r[2], (locked - started) / 1_000_000, (System.nanoTime() - locked) / 1_000_000,
                (copied - locked) / 1_000_000);
        // Pin the new generation before the app's auto-checkpoint can restart it again: a read lock taken once
        // the app's writer has committed into it uses one of SQLite's read slots 1..4, which blocks any
        // restart until walship's next step follows this one (the commit counter recorded under the write lock
        // proves that restart lossless). Taken at once, on the fully checkpointed WAL, it would use slot 0,
        // which blocks checkpoints of the new generation instead: then every commit of a busy writer past
        // the auto-checkpoint threshold pays for a checkpoint attempt over the whole WAL, and none succeeds.
        boolean restartable = r[0] == 0 && r[1] >= 0 && r[1] == r[2];
        if (restartable) awaitNewGeneration(at, NEW_GENERATION_WAIT_MS);
        renewReader();
        return true;
    }

    /** How long walship's checkpoint waits for the app's next commit before it takes its read lock anyway. */
    private static final long NEW_GENERATION_WAIT_MS = 200;

    /** Waits (briefly) until the WAL index shows a commit in a generation after the one at {@code old}. */
    private void awaitNewGeneration(WalPosition old, long maxMillis) throws IOException {
        long deadline = System.nanoTime() + maxMillis * 1_000_000L;
        while (System.nanoTime() < deadline) {
            Optional<ShmInfo> shm = index();
            if (shm.isPresent() && shm.get().mxFrame() > 0
                    && (old == null || shm.get().salt1() != old.salt1() || shm.get().salt2() != old.salt2())) {
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            if (Thread.currentThread().isInterrupted()) return;
        }
    }

    /**
     * Takes a snapshot. After a break ({@code newTxid}), it gets txid last+1 and becomes the new base;
     * a periodic one describes the state at the current txid and doubles as a self-check of the
     * running checksum. Retries when a concurrent checkpoint may have moved pages while it read.
     */
    private void snapshot(String reason, boolean newTxid) throws IOException {
        for (int attempt = 1; attempt <= SNAPSHOT_ATTEMPTS; attempt++) {
            long started = System.nanoTime();
            renewReaderForSnapshot();
            WalPosition at;
            if (newTxid) {
                at = currentEndOrNull();
            } else {
                sync(false);
                at = pos;
            }
            long txid = newTxid || lastTxid == 0 ? lastTxid + 1 : lastTxid;
            long time = newTxid || lastTxid == 0 ? nextTime() : lastTime;
            SnapshotTaker.Taken t;
            try {
                t = SnapshotTaker.take(dbFile, walFile, walSource, at, pageSize, txid, time, spool);
            } catch (SnapshotTaker.WalGenerationChanged | ContinuityBreak e) {
                log.debug("snapshot attempt {} restarted db={} reason={}", attempt, settings.name(), e.getMessage());
                continue;
            }
            if (!stillConsistent(at)) {
                Files.deleteIfExists(t.path());
                log.debug("snapshot attempt {} discarded, WAL moved while reading db={}", attempt, settings.name());
                continue;
            }
            if (!newTxid && checksum != null && checksum.value() != t.checksum().value()) {
                metrics.checksumMismatches.incrementAndGet();
                log.error("periodic snapshot differs from the replicated state db={} txid={}; the snapshot"
                        + " supersedes it (please report this)", settings.name(), txid);
            }
            pos = at;
            emptyWalBase = at == null;
            lastTxid = txid;
            lastTime = time;
            checksum = t.checksum();
            lastSnapshotAt = clock.millis();
            tableLost = null;
            lastObservedWalLength = walFile.size();
            saveState();
            maybeSaveChecksum(true);
            witness.forget();
            witness.observe(pos);
            lastSnapshot = t.file();
            metrics.recordSnapshot(System.nanoTime() - started, t.file().size(), txid, time);
            log.info("snapshot db={} txid={} pages={} reason=\"{}\"", settings.name(), txid, t.dbSize(), reason);
            renewReader();
            return;
        }
        throw new IOException("snapshot of " + settings.db() + " failed " + SNAPSHOT_ATTEMPTS
                + " times because checkpoints kept moving the WAL (walship retries on the next round)");
    }

    private void renewReaderForSnapshot() throws IOException {
        // Use the last commit we can see as the proof point for the new read lock.
        WalPosition end = currentEndOrNull();
        WalPosition saved = pos;
        pos = end;
        try {
            renewReader();
        } finally {
            pos = saved;
        }
    }

    /** The position after the last commit of the current WAL generation (no shipping); null if empty. */
    private WalPosition currentEndOrNull() throws IOException {
        try {
            WalHeader h = WalReader.readHeader(walFile, walSource);
            if (h.pageSize() != pageSize) {
                // The database file is authoritative for the page size; the WAL will restart.
                return null;
            }
            return WalReader.scan(walFile, WalPosition.start(h), walSource).end();
        } catch (EmptyWalException e) {
            return null;
        }
    }

    /** After reading a snapshot at {@code at}: no restart, and no checkpoint could have gone past it. */
    private boolean stillConsistent(WalPosition at) throws IOException {
        WalPosition now = currentEndOrNull();
        if (at == null) return now == null || now.frame() == 0;
        if (now == null) return false;
        if (now.salt1() != at.salt1() || now.salt2() != at.salt2()) return false;
        return readerProtects || now.frame() == at.frame();
    }

    private long nextTime() {
        // Times never go backwards along txids, even if the clock does.
        return Math.max(clock.millis(), lastTime);
    }

    private void saveState() throws IOException {
        spool.saveState(new FollowerState(pos, lastTxid, lastTime, inode, checksumSavedTxid, lastSnapshotAt));
    }

    private void maybeSaveChecksum(boolean force) throws IOException {
        if (checksum == null || checksumSavedTxid == lastTxid) return;
        long now = clock.millis();
        boolean small = checksum.dbSize() <= 32_768;
        if (force || small || now - checksumSavedAt >= CHECKSUM_SAVE_INTERVAL_MS) {
            ChecksumRecovery.save(spool, checksum, lastTxid);
            checksumSavedTxid = lastTxid;
            checksumSavedAt = now;
            saveState();
        }
    }

    private void reopen() throws IOException {
        closeHandles();
        open();
        pos = null;
    }

    /** One last sync and a durable checksum table, for a clean shutdown. */
    public void finalSync() throws IOException {
        step();
        maybeSaveChecksum(true);
    }

    private void closeHandles() {
        if (locks != null) locks.close();
        closeQuietly(walFile);
        closeQuietly(shmFile);
        closeQuietly(dbFile);
        locks = null;
    }

    private static void closeQuietly(Closeable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (IOException e) {
            // read-only channels: nothing was buffered that a failed close could lose
        }
    }

    @Override
    public void close() {
        closeHandles();
    }
}
