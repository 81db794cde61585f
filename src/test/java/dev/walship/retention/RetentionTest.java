package dev.walship.retention;

import static dev.walship.retention.CompactionPlannerTest.seg;
import static dev.walship.retention.CompactionPlannerTest.snap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.walship.segment.FileInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class RetentionTest {

    private static final long H = 3_600_000;
    private static final Retention.Policy POLICY = new Retention.Policy(72 * H, H, 24 * H);

    private static Set<String> names(List<FileInfo> files) {
        Set<String> s = new TreeSet<>();
        for (FileInfo f : files) s.add(f.name());
        return s;
    }

    private static List<FileInfo> expired(List<FileInfo> files, long now, Set<Long> pinned) {
        List<FileInfo> gone = Retention.expired(files, POLICY, now, pinned);
        assertEquals(gone.size(), new HashSet<>(gone).size(), "no file is listed twice");
        assertTrue(files.containsAll(gone), "only listed files are deleted");
        return gone;
    }

    @Test
    void emptyAndSnapshotlessReplicasLoseNothing() {
        assertEquals(List.of(), expired(List.of(), 1000 * H, Set.of()));
        List<FileInfo> onlySegs = List.of(seg(0, 1, 5, 0, 10), seg(0, 6, 9, 20, 30));
        assertEquals(List.of(), expired(onlySegs, 1000 * H, Set.of()));
    }

    @Test
    void keepsTheNewestSnapshotAtOrBeforeTheWindowStartAndEverythingAfter() {
        long now = 100 * H;
        long windowStart = now - 72 * H; // 28 h
        FileInfo s1 = snap(1, 0);
        FileInfo a = seg(0, 2, 10, H, 2 * H);
        FileInfo s10 = snap(10, 2 * H);
        FileInfo b = seg(0, 11, 20, 3 * H, windowStart - 1);
        FileInfo s20 = snap(20, windowStart);              // exactly at the window start: the base
        FileInfo c = seg(0, 21, 30, windowStart + 1, windowStart + H);
        FileInfo s30 = snap(30, windowStart + H);
        FileInfo d = seg(0, 31, 40, windowStart + 2 * H, now - 1);
        List<FileInfo> files = List.of(s1, a, s10, b, s20, c, s30, d);
        assertEquals(names(List.of(s1, a, s10, b)), names(expired(files, now, Set.of())));
        // one millisecond earlier, s20 is inside the window and s10 is the base
        assertEquals(names(List.of(s1, a)), names(expired(files, now - 1, Set.of())));
    }

    @Test
    void withoutAnOldEnoughSnapshotTheOldestIsTheBase() {
        long now = 100 * H;
        List<FileInfo> files = List.of(snap(5, 90 * H), seg(0, 6, 9, 91 * H, 92 * H), snap(9, 92 * H));
        assertEquals(List.of(), expired(files, now, Set.of()));
    }

    @Test
    void neverDeletesTheNewestSnapshot() {
        long now = 1000 * H;
        FileInfo s1 = snap(1, 0);
        FileInfo a = seg(0, 2, 10, 1, 2);
        FileInfo s10 = snap(10, 2);
        List<FileInfo> files = List.of(s1, a, s10);
        assertEquals(names(List.of(s1, a)), names(expired(files, now, Set.of())));
        // a break snapshot newer than every segment
        List<FileInfo> withBreak = List.of(s1, a, snap(11, 3));
        assertEquals(names(List.of(s1, a)), names(expired(withBreak, now, Set.of())));
        // only snapshots
        assertEquals(names(List.of(s1)), names(expired(List.of(s1, s10), now, Set.of())));
    }

    @Test
    void pinnedSnapshotsStayButNotTheSegmentsAfterThem() {
        long now = 1000 * H;
        FileInfo s1 = snap(1, 0);
        FileInfo a = seg(0, 2, 5, H, H);
        FileInfo s5 = snap(5, H);
        FileInfo b = seg(0, 6, 10, 2 * H, 2 * H);
        FileInfo s10 = snap(10, 2 * H);
        FileInfo c = seg(0, 11, 20, 3 * H, 3 * H);
        FileInfo s20 = snap(20, 3 * H);
        List<FileInfo> files = List.of(s1, a, s5, b, s10, c, s20);
        // without pins: only the newest (the base) remains
        assertEquals(names(List.of(s1, a, s5, b, s10, c)), names(expired(files, now, Set.of())));
        // pinning 5 keeps that snapshot, a restore point on its own; the segments after it are not needed for it
        assertEquals(names(List.of(s1, a, b, s10, c)), names(expired(files, now, Set.of(5L))));
        // pinned but not a snapshot txid: ignored
        assertEquals(names(List.of(s1, a, s5, b, s10, c)), names(expired(files, now, Set.of(7L))));
    }

    @Test
    void l0GoesOnlyWhenCoveredByL1AndOlderThanItsRetention() {
        long now = 10 * H;
        FileInfo s = snap(1, 0);
        FileInfo a = seg(0, 2, 5, 8 * H, 8 * H + 10);
        FileInfo b = seg(0, 6, 9, 9 * H, 9 * H);               // exactly one hour old: kept (not older than)
        FileInfo c = seg(0, 10, 12, 8 * H, 8 * H + 20);         // old, but not covered
        FileInfo l1 = seg(1, 2, 9, 8 * H, 9 * H);
        List<FileInfo> files = List.of(s, a, b, c, l1);
        // a is old, but its sibling b under the same L1 is not: without a, b's txids could not be reached
        assertEquals(List.of(), expired(files, now, Set.of()));
        assertEquals(names(List.of(a, b)), names(expired(files, now + 1, Set.of())));
        // partly covered is not covered
        FileInfo partial = seg(1, 3, 20, 8 * H, 9 * H);
        assertEquals(List.of(), expired(List.of(s, a, partial), now, Set.of()));
        // an L2 cover counts for an L0 too
        assertEquals(names(List.of(a)), names(expired(List.of(s, a, seg(2, 2, 50, 0, 9 * H)), now + 1, Set.of())));
        // young L0 under an L1: kept for per-transaction restores
        assertEquals(List.of(), expired(List.of(s, a, l1), 8 * H + 20, Set.of()));
    }

    @Test
    void l1GoesOnlyWhenCoveredByL2AndOlderThanItsLimit() {
        long now = 100 * H;
        FileInfo s = snap(1, 0);
        FileInfo l1a = seg(1, 2, 5, 70 * H, 71 * H);
        FileInfo l1b = seg(1, 6, 9, 71 * H, 80 * H);            // 20 h old: younger than 24 h
        FileInfo l1c = seg(1, 10, 12, 60 * H, 61 * H);          // old but not covered by L2
        FileInfo l2 = seg(2, 2, 9, 70 * H, 80 * H);
        FileInfo l1cCover = seg(1, 10, 12, 60 * H, 61 * H);     // an L1 never counts as a cover for an L1
        List<FileInfo> files = List.of(s, l1a, l1b, l1c, l2, l1cCover);
        // l1a waits for its sibling l1b under the same L2 (see l0GoesOnly...)
        assertEquals(List.of(), expired(files, now, Set.of()));
        assertEquals(names(List.of(l1a, l1b)), names(expired(files, 104 * H + 1, Set.of())));
        // L2 files are never deleted for being covered
        assertEquals(List.of(), expired(List.of(s, l2, seg(2, 1, 100, 0, 90 * H)), now, Set.of()).stream()
                .filter(f -> f.level() == 2 && f.maxTxid() > 1).toList());
    }

    @Test
    void aCoverSpanningAKeptSnapshotDoesNotReplaceTheFilesAfterIt() {
        // an L1 written before compaction split at snapshots: 1..20 with a periodic snapshot at 10 inside
        long now = 1000 * H;
        FileInfo s10 = snap(10, 10 * H);
        FileInfo a = seg(0, 1, 10, 0, 10 * H);
        FileInfo b = seg(0, 11, 15, 11 * H, 11 * H);
        FileInfo c = seg(0, 16, 20, 12 * H, 12 * H);
        FileInfo l1 = seg(1, 1, 20, 0, 12 * H);
        List<FileInfo> files = List.of(s10, a, b, c, l1);
        List<FileInfo> gone = expired(files, now, Set.of());
        assertEquals(names(List.of(a)), names(gone), "11..20 are what a restore from snapshot 10 needs");
        assertRestorable(minus(files, gone), s10, 20);
    }

    private static List<FileInfo> minus(List<FileInfo> files, List<FileInfo> gone) {
        List<FileInfo> out = new ArrayList<>(files);
        out.removeAll(gone);
        return out;
    }

    /**
     * Positions ("next txid needed") reachable from {@code from}: a segment starting at the position moves to
     * its end + 1, a snapshot at the position (a break snapshot) moves past it.
     */
    private static void assertRestorable(List<FileInfo> files, FileInfo from, long latest) {
        List<FileInfo> sorted = new ArrayList<>(files);
        sorted.sort(Comparator.comparingLong(FileInfo::minTxid).thenComparing(FileInfo::isSnapshot));
        Set<Long> reached = new HashSet<>();
        reached.add(from.maxTxid() + 1);
        for (FileInfo f : sorted) {
            if (f.isSnapshot()) {
                if (f.maxTxid() > from.maxTxid()) reached.add(f.maxTxid() + 1);
            } else if (reached.contains(f.minTxid())) {
                reached.add(f.maxTxid() + 1);
            }
        }
        if (!reached.contains(latest + 1)) {
            List<String> n = new ArrayList<>(names(files));
            fail("from " + from.name() + " no chain reaches txid " + latest + "; reached " + new TreeSet<>(reached)
                    + " with " + n);
        }
    }

    /**
     * A random history of syncs, periodic and break snapshots, compactions and retention passes at an
     * increasing clock. After every retention pass the newest snapshot at or before the window start (or
     * the oldest snapshot while none is that old) is still there, with a chain to the latest txid.
     */
    @Test
    void everyInstantOfTheWindowStaysRestorable() {
        Random seeds = new Random(20260101);
        for (int layout = 0; layout < 3000; layout++) {
            long seed = seeds.nextLong();
            try {
                randomHistory(seed);
            } catch (AssertionError e) {
                throw new AssertionError("layout " + layout + " seed " + seed + ": " + e.getMessage(), e);
            }
        }
    }

    private static void randomHistory(long seed) {
        Random r = new Random(seed);
        long l1Interval = (1 + r.nextInt(5)) * 60_000L;
        long l2Interval = l1Interval * (2 + r.nextInt(20));
        long retentionMs = (1 + r.nextInt(48)) * 10 * 60_000L;
        Retention.Policy policy = new Retention.Policy(retentionMs, r.nextInt(3) * l1Interval + 1,
                r.nextInt(3) * l2Interval + 1);
        List<FileInfo> files = new ArrayList<>();
        List<FileInfo> allSnapshots = new ArrayList<>();
        long now = 1_000_000;
        long lastTxid = 0;
        long lastTime = now;
        // the first snapshot
        FileInfo first = snap(1, now);
        files.add(first);
        allSnapshots.add(first);
        lastTxid = 1;
        int steps = 20 + r.nextInt(120);
        for (int step = 0; step < steps; step++) {
            now += r.nextInt(4) == 0 ? r.nextInt((int) Math.min(Integer.MAX_VALUE, retentionMs)) : r.nextInt(90_000);
            int op = r.nextInt(20);
            if (op < 12) {                                   // sync: one L0 file
                int n = 1 + r.nextInt(5);
                long t0 = Math.max(lastTime, now - r.nextInt(1000));
                FileInfo f = FileInfo.segment(0, lastTxid + 1, lastTxid + n, t0, Math.max(t0, now), 1);
                files.add(f);
                lastTxid += n;
                lastTime = f.maxTime();
            } else if (op < 14) {                            // periodic snapshot at the current txid
                FileInfo s = snap(lastTxid, lastTime);
                if (!files.contains(s)) {
                    files.add(s);
                    allSnapshots.add(s);
                }
            } else if (op < 15) {                            // continuity break: snapshot at last + 1
                lastTxid++;
                lastTime = Math.max(lastTime, now);
                FileInfo s = snap(lastTxid, lastTime);
                files.add(s);
                allSnapshots.add(s);
            } else if (op < 18) {                            // compaction, as ReplicaSync.maintain does it
                for (CompactionPlanner.Merge m : CompactionPlanner.plan(files, 0, l1Interval, now)) files.add(m.output(1));
                for (CompactionPlanner.Merge m : CompactionPlanner.plan(files, 1, l2Interval, now)) files.add(m.output(1));
            } else {                                         // retention
                List<FileInfo> gone = Retention.expired(files, policy, now, Set.of());
                assertTrue(files.containsAll(gone));
                files.removeAll(gone);
                check(files, allSnapshots, now - policy.retentionMs(), lastTxid);
            }
        }
        List<FileInfo> gone = Retention.expired(files, policy, now, Set.of());
        files.removeAll(gone);
        check(files, allSnapshots, now - policy.retentionMs(), lastTxid);
    }

    private static void check(List<FileInfo> files, List<FileInfo> allSnapshots, long windowStart, long lastTxid) {
        FileInfo base = allSnapshots.get(0);
        for (FileInfo s : allSnapshots) if (s.maxTime() <= windowStart) base = s;
        FileInfo b = base;
        assertTrue(files.contains(base), "base snapshot " + base.name() + " was deleted");
        FileInfo newest = allSnapshots.get(allSnapshots.size() - 1);
        assertTrue(files.contains(newest), "newest snapshot " + newest.name() + " was deleted");
        // every snapshot newer than the base stays (a restore to a time after it may start there)
        for (FileInfo s : allSnapshots) {
            if (s.maxTxid() > b.maxTxid()) assertTrue(files.contains(s), "snapshot " + s.name() + " in the window was deleted");
        }
        assertRestorable(files, base, lastTxid);
    }
}
