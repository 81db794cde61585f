package dev.walship.restore;

import dev.walship.db.FollowerState;
import dev.walship.db.LiveDatabase;
import dev.walship.replica.ReplicaClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Proves a replica good, on demand ({@code walship verify}) or from the sidecar: every file it holds is
 * read and passes its checksums ({@link ReplicaWalk}), the latest state is restored into a private temp
 * file and passes SQLite's integrity check, and, given the live database, the replica holds a state
 * whose whole-database checksum equals the live one (see {@link #compare}).
 */
public final class Verifier {
    private static final long POLL_MILLIS = 500;

    /** What a verification found; {@link #OK} is the only good outcome. */
    public enum Outcome {
        /** Every file passed, the latest restore passed, and the live database (if given) equals a replica state. */
        OK,
        /** The replica disagrees with itself or with the live database at a txid. */
        MISMATCH,
        /** A file failed its checksums or format checks, or SQLite rejected the restored database. */
        CORRUPT,
        /** The live database's state is not in the replica yet (it is ahead): nothing was compared. */
        NOT_COMPARED
    }

    /**
     * @param tempParent where the private temp directory for restores is made (as large as the database)
     * @param catchUp how long to wait for the replica to catch up with the live database
     * @param progress one-line progress reports, or null
     */
    public record Options(Path tempParent, Restorer.IntegrityCheck integrity, Duration catchUp,
                          Consumer<String> progress) {
        public Options {
            Objects.requireNonNull(tempParent, "tempParent");
            Objects.requireNonNull(integrity, "integrity");
            Objects.requireNonNull(catchUp, "catchUp");
        }
    }

    /** The live side of a comparison: the database's state, and where the sidecar says it is. */
    public interface Live {
        LiveDatabase.State read() throws IOException;

        /** The sidecar's spool state, re-read on every call; empty when unknown. */
        Optional<FollowerState> spoolState();
    }

    /** A live database file, with its sidecar's spool directory if known (null: no position hint). */
    public static Live live(Path db, Path spoolDirOrNull) {
        return new Live() {
            @Override
            public LiveDatabase.State read() throws IOException {
                return LiveDatabase.read(db);
            }

            @Override
            public Optional<FollowerState> spoolState() {
                return spoolDirOrNull == null ? Optional.empty() : LiveDatabase.spoolState(spoolDirOrNull);
            }
        };
    }

    /**
     * The result.
     *
     * @param comparedTxid the txid at which the live database was found equal (OK) or different (MISMATCH), or -1
     * @param message one line for humans
     */
    public record Report(Outcome outcome, String replica, int files, long bytes, long latestTxid, long latestTime,
                         long comparedTxid, String message) {}

    private Verifier() {}

    /** Verifies {@code replica}, and compares it with {@code liveOrNull} when given. */
    public static Report verify(ReplicaClient replica, Live liveOrNull, Options o) throws IOException {
        // the live state first: from then on the replica can only catch up with it, never fall behind
        LiveDatabase.State live = liveOrNull == null ? null : liveOrNull.read();
        ReplicaWalk walk = new ReplicaWalk(replica);
        say(o, "reading every file of " + replica.url());
        walk.walk(replica.listFiles());
        Report bad = walkProblem(replica, walk, null);
        if (bad != null) return bad;
        say(o, "read " + walk.files() + " files; restoring the latest state");
        RestoreResult latest;
        try {
            latest = restoreInTemp(replica, new RestoreTarget.Latest(), o);
        } catch (RestoreException e) {
            Report r = restoreProblem(replica, walk, null, e);
            if (r == null) throw e;
            return r;
        }
        Report base = new Report(Outcome.OK, replica.url(), walk.files(), walk.bytes(), latest.txid(), latest.time(), -1,
                "replica " + replica.url() + " verified: " + walk.files() + " files passed their checksums; the latest"
                        + " state, txid " + latest.txid() + ", restores and passes " + o.integrity().name().toLowerCase()
                        + " integrity_check");
        return live == null ? base : compare(replica, walk, latest, live, liveOrNull, base, o);
    }

    /**
     * Finds the live state among the replica's states. The live database carries no txid, so it is matched
     * by content: a replica state with the same whole-database checksum, confirmed by restoring exactly that
     * txid. Only when the sidecar's spool says it copied the live state as txid S (its WAL position equals
     * the live read's) is a difference a mismatch at S; otherwise an unmatched live state is one the replica
     * does not have yet, and nothing is compared.
     */
    private static Report compare(ReplicaClient replica, ReplicaWalk walk, RestoreResult latest,
                                  LiveDatabase.State live, Live side, Report base, Options o) throws IOException {
        if (live.pageSize() != latest.pageSize()) {
            return with(base, Outcome.MISMATCH, latest.txid(), "live database has page size " + live.pageSize()
                    + " but the replica's latest state (txid " + latest.txid() + ") has " + latest.pageSize());
        }
        if (live.checksum() == latest.dbChecksum()) {
            return with(base, Outcome.OK, latest.txid(), base.message() + "; the live database equals it");
        }
        long deadline = System.currentTimeMillis() + o.catchUp().toMillis();
        long copiedAs = -1; // the txid the sidecar gave exactly the live state, once its spool shows it
        while (true) {
            long t = walk.newestWith(live.checksum());
            if (t > 0) {
                say(o, "the live database matches txid " + t + "; restoring it to confirm");
                RestoreResult r;
                try {
                    r = restoreInTemp(replica, new RestoreTarget.AtTxid(t), o);
                } catch (RestoreException e) {
                    Report p = restoreProblem(replica, walk, base, e);
                    if (p == null) throw e;
                    return p;
                }
                if (r.dbChecksum() == live.checksum()) {
                    return with(base, Outcome.OK, t, base.message() + "; the live database (read at "
                            + Txids.time(live.readAt()) + ") equals the replica at txid " + t);
                }
                return with(base, Outcome.MISMATCH, t, "txid " + t + ": the replica records the live database's"
                        + " checksum but restores to " + Long.toHexString(r.dbChecksum()));
            }
            if (copiedAs < 0) copiedAs = copiedAs(live, side.spoolState());
            if (copiedAs > 0 && walk.claim(copiedAs) != null) {
                return with(base, Outcome.MISMATCH, copiedAs, "live database differs from the replica at txid "
                        + copiedAs + ": the sidecar copied the live state as that txid, the replica records database"
                        + " checksum " + Long.toHexString(walk.claim(copiedAs).checksum()) + " (in "
                        + walk.claim(copiedAs).file() + ") but the live database has " + Long.toHexString(live.checksum()));
            }
            if (System.currentTimeMillis() >= deadline) break;
            sleep(POLL_MILLIS);
            walk.walk(replica.listFiles());
            Report bad = walkProblem(replica, walk, base);
            if (bad != null) return bad;
        }
        String spool = copiedAs > 0 ? "; the sidecar copied it as txid " + copiedAs + ", not uploaded yet"
                : side.spoolState().map(s -> "; the sidecar's spool is at txid " + s.lastTxid()).orElse("");
        return with(base, Outcome.NOT_COMPARED, -1, "live database is ahead of the replica: its state (read at "
                + Txids.time(live.readAt()) + ") is not among the replica's states up to txid " + walk.maxTxid()
                + " after waiting " + o.catchUp().toSeconds() + " s" + spool + "; nothing compared (is walship"
                + " replicate running and uploading?)");
    }

    /** The txid the sidecar recorded at exactly the live read's WAL position, or -1. */
    private static long copiedAs(LiveDatabase.State live, Optional<FollowerState> st) {
        if (st.isEmpty() || live.position() == null || st.get().position() == null) return -1;
        FollowerState s = st.get();
        // an empty WAL proves nothing about the database file, so only a real WAL position counts
        boolean same = live.position().frame() > 0 && Objects.equals(s.dbInode(), live.dbInode())
                && s.position().salt1() == live.position().salt1() && s.position().salt2() == live.position().salt2()
                && s.position().frame() == live.position().frame() && s.lastTxid() > 0;
        return same ? s.lastTxid() : -1;
    }

    private static Report walkProblem(ReplicaClient replica, ReplicaWalk walk, Report base) {
        Report b = base != null ? base : new Report(Outcome.OK, replica.url(), walk.files(), walk.bytes(), -1, -1, -1, "");
        if (!walk.corrupt().isEmpty()) {
            int more = walk.corrupt().size() - 1;
            return with(b, Outcome.CORRUPT, -1, walk.corrupt().get(0) + (more > 0 ? " (and " + more + " more corrupt"
                    + " files)" : ""));
        }
        if (walk.conflict() != null) {
            return with(b, Outcome.MISMATCH, -1, "replica " + replica.url() + " disagrees with itself at " + walk.conflict());
        }
        return null;
    }

    /** A restore failure that is a verification finding, or null for one that is not (a gap, no snapshot). */
    private static Report restoreProblem(ReplicaClient replica, ReplicaWalk walk, Report base, RestoreException e) {
        Report b = base != null ? base : new Report(Outcome.OK, replica.url(), walk.files(), walk.bytes(), -1, -1, -1, "");
        return switch (e.kind()) {
            case CORRUPT, INTEGRITY_CHECK_FAILED -> with(b, Outcome.CORRUPT, -1, e.getMessage());
            case CHECKSUM_MISMATCH -> with(b, Outcome.MISMATCH, -1, e.getMessage());
            default -> null;
        };
    }

    private static Report with(Report r, Outcome outcome, long compared, String message) {
        return new Report(outcome, r.replica(), r.files(), r.bytes(), r.latestTxid(), r.latestTime(), compared,
                message.replace('\n', ' '));
    }

    /**
     * Restores {@code target} into a file in a fresh 0700 directory (the file itself is 0600), and deletes both;
     * a file that vanished under the restore (retention running meanwhile) gets one more try with a new listing.
     */
    static RestoreResult restoreInTemp(ReplicaClient replica, RestoreTarget target, Options o) throws IOException {
        for (int attempt = 1; ; attempt++) {
            Path dir = privateTempDirectory(o.tempParent());
            try {
                RestorePlan plan = RestorePlanner.plan(replica.url(), replica.listFiles(), target,
                        System.currentTimeMillis());
                return Restorer.restore(replica, plan, new Restorer.Options(dir.resolve("verify.db"), false,
                        o.integrity(), null));
            } catch (NoSuchFileException e) {
                if (attempt >= 2) throw e;
            } finally {
                deleteTree(dir);
            }
        }
    }

    private static Path privateTempDirectory(Path parent) throws IOException {
        try {
            if (parent.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                return Files.createTempDirectory(parent, "walship-verify-", java.nio.file.attribute.PosixFilePermissions
                        .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            }
            return Files.createTempDirectory(parent, "walship-verify-");
        } catch (IOException e) {
            throw new IOException("verify: cannot create a temp directory in " + parent + " (" + e.getMessage()
                    + "); pass --temp-dir with a writable directory that has room for the database", e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static void say(Options o, String line) {
        if (o.progress() != null) o.progress().accept(line);
    }

    private static void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("verify interrupted");
        }
    }
}
