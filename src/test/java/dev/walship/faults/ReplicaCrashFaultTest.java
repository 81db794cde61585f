package dev.walship.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.db.InProcessSidecar;
import dev.walship.e2e.RestoreCheck;
import dev.walship.e2e.Writer;
import dev.walship.replica.ReplicaClient;
import dev.walship.replica.ReplicaSync;
import dev.walship.replica.file.FileReplica;
import dev.walship.restore.Restorer;
import dev.walship.restore.Verifier;
import dev.walship.retention.Retention;
import dev.walship.segment.FileInfo;
import dev.walship.testing.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The sidecar dies at an exact point of an upload, a compaction, a retention pass or a snapshot upload (a
 * {@link FaultyReplica} leaves what the killed call would leave), restarts from its spool and keeps
 * replicating. Afterwards every file in the replica passes its checksums, no half-written object is listed,
 * the latest restore equals the source, and every transaction still in the replica restores to the app's
 * state after exactly that commit, in commit order.
 */
@Timeout(90)
class ReplicaCrashFaultTest {
    /** Times are on the test's clock: every round is 20 s later. */
    private static final ReplicaSync.Policy POLICY = new ReplicaSync.Policy(60_000, 300_000,
            new Retention.Policy(600_000, 120_000, 300_000));
    private static final Duration SNAPSHOT_INTERVAL = Duration.ofMinutes(4);

    enum Crash {
        L0_UPLOAD(FaultyReplica.Point.UPLOAD, f -> !f.isSnapshot() && f.level() == 0, 5),
        SNAPSHOT_UPLOAD(FaultyReplica.Point.UPLOAD, FileInfo::isSnapshot, 1),
        COMPACTION_READ(FaultyReplica.Point.OPEN, f -> f.level() == 0 && !f.isSnapshot(), 2),
        L1_UPLOAD(FaultyReplica.Point.UPLOAD, f -> f.level() == 1, 1),
        L2_UPLOAD(FaultyReplica.Point.UPLOAD, f -> f.level() == 2, 0),
        RETENTION_OF_L0(FaultyReplica.Point.DELETE, f -> f.level() == 0 && !f.isSnapshot(), 0),
        RETENTION_OF_SNAPSHOTS(FaultyReplica.Point.DELETE, FileInfo::isSnapshot, 0);

        final FaultyReplica.Point point;
        final Predicate<FileInfo> which;
        final int skip;

        Crash(FaultyReplica.Point point, Predicate<FileInfo> which, int skip) {
            this.point = point;
            this.which = which;
            this.skip = skip;
        }
    }

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Crash.class)
    void restartAfterDyingLosesNothing(Crash crash) throws Exception {
        Path db = dir.resolve("app.db");
        Path root = dir.resolve("replica");
        Writer w = new Writer(db).run("--count", "1", "--sleep-ms", "0");
        ManualClock clock = new ManualClock(Instant.now().minus(Duration.ofHours(2)));
        FileReplica replica = new FileReplica(root);
        FaultyReplica faulty = new FaultyReplica(replica, crash.point, crash.which, crash.skip, crash.ordinal());

        InProcessSidecar first = sidecar(db, faulty, clock).open();
        int rounds = 0;
        while (!faulty.dead() && rounds++ < 80) {
            w.run("--count", "3", "--sleep-ms", "0");
            clock.advance(Duration.ofSeconds(20));
            first.round();
        }
        assertTrue(faulty.dead(), () -> crash + ": the sidecar never reached the fatal call in 80 rounds");
        first.crash();
        if (crash.point == FaultyReplica.Point.UPLOAD) {
            assertTrue(debris(root) > 0, "the killed upload left its temp file");
        }
        assertTrue(replica.listFiles().stream().noneMatch(f -> f.name().contains("tmp")), "temp files are never listed");

        InProcessSidecar second = sidecar(db, replica, clock).open();
        assertEquals(List.of(), list(second.spoolDir.resolve("tmp")), "a restart empties the spool's tmp/");
        for (int i = 0; i < 25; i++) {
            w.run("--count", "3", "--sleep-ms", "0");
            clock.advance(Duration.ofSeconds(20));
            assertTrue(second.round(), () -> "upload after restart failed: " + second.sync().lastError());
        }
        second.stop();

        Verifier.Report r = Verifier.verify(replica, Verifier.live(db, second.spoolDir), new Verifier.Options(
                Files.createDirectories(dir.resolve("verify-tmp")), Restorer.IntegrityCheck.FULL, Duration.ofSeconds(5),
                null));
        assertEquals(Verifier.Outcome.OK, r.outcome(), () -> crash + " (died at " + faulty.diedAt() + "): " + r.message());
        assertEquals(r.latestTxid(), r.comparedTxid(), "the live database equals the latest state");
        RestoreCheck rc = new RestoreCheck(root, dir.resolve("restores")).describedBy(w);
        rc.assertLatest(w.last().checksum());
        rc.assertTxids(w.commits(), sample(replica, crash.ordinal()), snapshotTxids(replica));
    }

    /**
     * Found by {@link KillDuringMaintenanceFaultTest}: killed after a segment was published to the spool but before
     * state.json recorded it, the restarted follower handed the segment's txids out again (to its recovery snapshot)
     * while the orphaned segment was still uploaded, so one txid meant two different databases.
     */
    @Test
    void killedBetweenSpoolingASegmentAndRecordingItReusesNoTxid() throws Exception {
        Path db = dir.resolve("app.db");
        Path root = dir.resolve("replica");
        Writer w = new Writer(db).run("--count", "1", "--sleep-ms", "0");
        ManualClock clock = new ManualClock(Instant.now().minus(Duration.ofHours(2)));
        FileReplica replica = new FileReplica(root);
        InProcessSidecar sc = sidecar(db, replica, clock).open();
        for (int i = 0; i < 3; i++) {
            w.run("--count", "3", "--sleep-ms", "0");
            clock.advance(Duration.ofSeconds(20));
            assertTrue(sc.round());
        }
        // what the disk holds when the kill lands between Spool.publish and saveState: the new segment, the old state
        Path spoolDir = sc.spoolDir;
        java.util.Map<Path, byte[]> before = new java.util.HashMap<>();
        try (Stream<Path> s = Files.list(spoolDir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) before.put(p, Files.readAllBytes(p));
        }
        w.run("--count", "2", "--sleep-ms", "0");
        clock.advance(Duration.ofSeconds(20));
        long recorded = sc.follower().lastTxid();
        sc.step();
        assertEquals(recorded + 2, sc.follower().lastTxid(), "the step spooled two commits");
        sc.crash();
        try (Stream<Path> s = Files.list(spoolDir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) if (!before.containsKey(p)) Files.delete(p);
        }
        for (var e : before.entrySet()) Files.write(e.getKey(), e.getValue());

        InProcessSidecar again = sidecar(db, replica, clock).open();
        assertTrue(again.follower().lastTxid() > recorded + 2, "the orphan's txids are not handed out again");
        w.run("--count", "2", "--sleep-ms", "0");
        clock.advance(Duration.ofSeconds(20));
        assertTrue(again.round());
        again.stop();
        Verifier.Report r = Verifier.verify(replica, null, new Verifier.Options(
                Files.createDirectories(dir.resolve("verify-tmp")), Restorer.IntegrityCheck.FULL, Duration.ZERO, null));
        assertEquals(Verifier.Outcome.OK, r.outcome(), r.message());
        new RestoreCheck(root, dir.resolve("restores")).describedBy(w).assertLatest(w.last().checksum());
    }

    /**
     * Found by the test above: retention deleted the older L0 files of an L1 window while younger ones of the same
     * window were still inside l0-retention, which left those unreachable (the L1 file overshoots them).
     */
    @Test
    void retentionKeepsTheL0FilesOfAWindowTogether() {
        long min = 60_000;
        FileInfo snap = FileInfo.snapshot(1, 0, 10);
        FileInfo a = FileInfo.segment(0, 2, 4, 10 * min, 10 * min + 10, 10);
        FileInfo b = FileInfo.segment(0, 5, 7, 10 * min + 30_000, 10 * min + 50_000, 10);
        FileInfo l1 = FileInfo.segment(1, 2, 7, 10 * min, 10 * min + 50_000, 10);
        List<FileInfo> files = List.of(snap, a, b, l1);
        Retention.Policy p = new Retention.Policy(100 * min, 2 * min, 60 * min);
        // at 12m20s, a is older than l0-retention but b is not: deleting a would leave txids 5..7 unreachable
        assertEquals(List.of(), Retention.expired(files, p, 12 * min + 20_000, Set.of()));
        assertEquals(List.of(a, b), Retention.expired(files, p, 13 * min, Set.of()));
    }

    private static InProcessSidecar sidecar(Path db, ReplicaClient replica, ManualClock clock) {
        return new InProcessSidecar(db, db.resolveSibling("spool"), replica, clock, POLICY, SNAPSHOT_INTERVAL, 100);
    }

    /** Up to 40 txids that are still transaction-exact in the replica (in L0 files or snapshots), ascending. */
    private static List<Long> sample(ReplicaClient replica, long seed) throws Exception {
        TreeSet<Long> all = new TreeSet<>();
        for (FileInfo f : replica.listFiles()) {
            if (f.isSnapshot() || f.level() == 0) for (long t = f.minTxid(); t <= f.maxTxid(); t++) all.add(t);
        }
        List<Long> list = new ArrayList<>(all);
        TreeSet<Long> pick = new TreeSet<>(list.subList(Math.max(0, list.size() - 25), list.size()));
        Random rnd = new Random(seed);
        while (pick.size() < Math.min(40, list.size())) pick.add(list.get(rnd.nextInt(list.size())));
        return new ArrayList<>(pick);
    }

    private static Set<Long> snapshotTxids(ReplicaClient replica) throws Exception {
        Set<Long> s = new TreeSet<>();
        for (FileInfo f : replica.listFiles()) if (f.isSnapshot()) s.add(f.maxTxid());
        return s;
    }

    private static long debris(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".") && p.toString().contains(".tmp-")).count();
        }
    }

    private static List<Path> list(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        }
    }
}
