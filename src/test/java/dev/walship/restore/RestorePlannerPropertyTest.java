package dev.walship.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.walship.restore.RestoreException.Kind;
import dev.walship.segment.FileInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random histories, compactions and deletions, checked against a brute-force oracle that knows the true time
 * of every transaction (which the planner never sees).
 */
class RestorePlannerPropertyTest {

    static final long BASE = 1_780_000_000_000L;

    /** A generated replica: the true time of each txid (index = txid) and the files that survived. */
    record Layout(long[] time, List<FileInfo> files, long now) {}

    static Layout generate(Random rnd) {
        int n = 2 + rnd.nextInt(45);
        long[] time = new long[n + 1];
        boolean[] brk = new boolean[n + 1];
        long t = BASE;
        for (int i = 1; i <= n; i++) {
            // ties are common (many commits in one millisecond) and must not confuse the planner
            t += rnd.nextInt(3) == 0 ? 0 : 1 + rnd.nextInt(2000);
            time[i] = t;
            brk[i] = i == 1 || rnd.nextInt(14) == 0;
        }
        var files = new ArrayList<FileInfo>();
        var l0 = new ArrayList<FileInfo>();
        for (int i = 1; i <= n; ) {
            if (brk[i]) {
                files.add(FileInfo.snapshot(i, time[i], 100));
                i++;
                continue;
            }
            int j = i;
            int len = 1 + rnd.nextInt(4);
            while (j + 1 <= n && !brk[j + 1] && j - i + 1 < len) j++;
            l0.add(seg(0, i, j, time));
            if (rnd.nextInt(9) == 0) files.add(FileInfo.snapshot(j, time[j], 100));
            i = j + 1;
        }
        List<FileInfo> l1 = compact(rnd, l0, 1, time);
        List<FileInfo> l2 = compact(rnd, l1, 2, time);
        files.addAll(l0);
        files.addAll(l1);
        files.addAll(l2);
        double[] deleteRates = {0, 0, 0.05, 0.15, 0.35};
        double rate = deleteRates[rnd.nextInt(deleteRates.length)];
        files.removeIf(f -> rnd.nextDouble() < rate);
        Collections.shuffle(files, rnd);
        long now = rnd.nextBoolean() ? time[n] + 5000 : time[n] - rnd.nextInt(3000);
        return new Layout(time, files, now);
    }

    static FileInfo seg(int level, long a, long b, long[] time) {
        return FileInfo.segment(level, a, b, time[(int) a], time[(int) b], 10);
    }

    static List<FileInfo> compact(Random rnd, List<FileInfo> lower, int level, long[] time) {
        var out = new ArrayList<FileInfo>();
        for (int i = 0; i < lower.size(); ) {
            int k = 2 + rnd.nextInt(2);
            int j = i;
            while (j + 1 < lower.size() && j + 1 - i < k && lower.get(j + 1).minTxid() == lower.get(j).maxTxid() + 1) j++;
            if (j > i && rnd.nextInt(5) < 2) {
                out.add(seg(level, lower.get(i).minTxid(), lower.get(j).maxTxid(), time));
                i = j + 1;
            } else {
                i++;
            }
        }
        return out;
    }

    @Test
    void plansAgreeWithBruteForce() {
        Random rnd = new Random(0x5EED_2026L);
        int planned = 0;
        int failed = 0;
        var kinds = new java.util.EnumMap<Kind, Integer>(Kind.class);
        for (int layoutNo = 0; layoutNo < 3000; layoutNo++) {
            Layout lay = generate(rnd);
            int n = lay.time().length - 1;
            var targets = new ArrayList<RestoreTarget>();
            targets.add(new RestoreTarget.Latest());
            for (int k = 0; k < 4; k++) targets.add(new RestoreTarget.AtTxid(1 + rnd.nextInt(n + 2)));
            for (int k = 0; k < 3; k++) {
                targets.add(new RestoreTarget.AtTime(Instant.ofEpochMilli(lay.time()[1 + rnd.nextInt(n)])));
                long span = lay.time()[n] - BASE + 8000;
                targets.add(new RestoreTarget.AtTime(Instant.ofEpochMilli(BASE - 2000 + (long) (rnd.nextDouble() * span))));
            }
            for (RestoreTarget target : targets) {
                String ctx = "layout " + layoutNo + " target " + target + " files " + names(lay.files());
                try {
                    RestorePlan p = RestorePlanner.plan("r", lay.files(), target, lay.now());
                    check(lay, target, p, ctx);
                    planned++;
                } catch (RestoreException e) {
                    checkFailure(lay, target, e, ctx);
                    kinds.merge(e.kind(), 1, Integer::sum);
                    failed++;
                }
            }
        }
        // every failure kind the planner can produce must actually be exercised
        assertTrue(planned > 10_000 && kinds.keySet().containsAll(List.of(Kind.NO_SNAPSHOTS, Kind.BEFORE_EARLIEST,
                Kind.IN_FUTURE, Kind.BEYOND_LATEST, Kind.GAP, Kind.COMPACTED)), planned + " planned, " + kinds);
        System.out.println("planner property: " + planned + " planned, " + kinds);
    }

    /** The txid an executor ends at, applying records with the true times; -1 if a file would be unused. */
    static long simulate(Layout lay, RestorePlan p) {
        long point = p.snapshot().maxTxid();
        for (FileInfo f : p.segments()) {
            boolean used = false;
            long from = f.level() == 0 ? f.minTxid() : f.maxTxid();
            for (long x = from; x <= f.maxTxid(); x++) {
                long time = f.level() == 0 ? lay.time()[(int) x] : f.maxTime();
                if (x > p.stopAfterTxid() || time > p.stopAtTime()) return used ? point : -1;
                point = x;
                used = true;
            }
        }
        return point;
    }

    /** Fixpoint over positions (next txid needed) from one snapshot; {@code fits} filters usable files. */
    static Map<Long, Integer> reach(Layout lay, FileInfo snap, java.util.function.Predicate<FileInfo> fits) {
        var best = new HashMap<Long, Integer>();
        best.put(snap.maxTxid() + 1, 0);
        boolean changed = true;
        while (changed) {
            changed = false;
            for (FileInfo f : lay.files()) {
                Integer d = best.get(f.minTxid());
                if (f.isSnapshot() || d == null || !fits.test(f)) continue;
                Integer old = best.get(f.maxTxid() + 1);
                if (old == null || old > d + 1) {
                    best.put(f.maxTxid() + 1, d + 1);
                    changed = true;
                }
            }
        }
        return best;
    }

    static List<FileInfo> snapshots(Layout lay) {
        return lay.files().stream().filter(FileInfo::isSnapshot).toList();
    }

    /** Newest txid any chain can reach with true times, for a txid limit and time limit. */
    static long bestPoint(Layout lay, long maxTxid, long maxTime) {
        long best = -1;
        for (FileInfo s : snapshots(lay)) {
            if (s.maxTxid() > maxTxid || s.maxTime() > maxTime) continue;
            var r = reach(lay, s, f -> f.maxTxid() <= maxTxid && f.maxTime() <= maxTime);
            for (long pos : r.keySet()) {
                best = Math.max(best, pos - 1);
                for (FileInfo f : lay.files()) {
                    if (f.isSnapshot() || f.level() != 0 || f.minTxid() != pos) continue;
                    for (long x = f.minTxid(); x <= f.maxTxid() && x <= maxTxid && lay.time()[(int) x] <= maxTime; x++) {
                        best = Math.max(best, x);
                    }
                }
            }
        }
        return best;
    }

    static void check(Layout lay, RestoreTarget target, RestorePlan p, String ctx) {
        long next = p.snapshot().maxTxid() + 1;
        for (FileInfo f : p.segments()) {
            assertEquals(next, f.minTxid(), ctx);
            next = f.maxTxid() + 1;
        }
        assertTrue(lay.files().containsAll(p.files()), ctx);
        long point = simulate(lay, p);
        assertTrue(point >= 0, "plan includes a file it does not use: " + ctx);
        p.expectedTxid().ifPresent(x -> assertEquals(x, point, ctx));
        long maxInReplica = lay.files().stream().mapToLong(FileInfo::maxTxid).max().orElseThrow();
        if (target instanceof RestoreTarget.AtTxid t) {
            assertEquals(t.txid(), point, ctx);
            FileInfo newest = snapshots(lay).stream().filter(s -> s.maxTxid() <= t.txid())
                    .max(java.util.Comparator.comparingLong(FileInfo::maxTxid)).orElseThrow();
            if (bestPoint(lay, t.txid(), Long.MAX_VALUE) == t.txid() && reachesTxid(lay, newest, t.txid())) {
                assertEquals(newest.maxTxid(), p.snapshot().maxTxid(), "the newest snapshot should win: " + ctx);
            }
        } else if (target instanceof RestoreTarget.AtTime t) {
            long tt = t.millis();
            assertTrue(p.snapshot().maxTime() <= tt, ctx);
            assertEquals(bestPoint(lay, Long.MAX_VALUE, tt), point, "a later restore point was reachable: " + ctx);
            assertTrue(!laterPointExists(lay, point, tt), "restored short of a known point at or before T: " + ctx);
            if (p.granularity() == Granularity.TRANSACTION) {
                long truth = 0;
                for (int x = 1; x <= maxInReplica; x++) if (lay.time()[x] <= tt) truth = x;
                assertEquals(truth, point, "TRANSACTION granularity but not the exact state at T: " + ctx);
            }
        } else {
            assertEquals(bestPoint(lay, Long.MAX_VALUE, Long.MAX_VALUE), point, ctx);
        }
    }

    static boolean reachesTxid(Layout lay, FileInfo snap, long x) {
        var r = reach(lay, snap, f -> f.maxTxid() <= x);
        if (r.containsKey(x + 1)) return true;
        for (FileInfo f : lay.files()) {
            if (!f.isSnapshot() && f.level() == 0 && r.containsKey(f.minTxid()) && f.minTxid() <= x && f.maxTxid() >= x) {
                return true;
            }
        }
        return false;
    }

    static void checkFailure(Layout lay, RestoreTarget target, RestoreException e, String ctx) {
        String msg = e.kind() + ": " + e.getMessage() + " / " + ctx;
        assertTrue(!e.getMessage().contains("\n"), msg);
        if (snapshots(lay).isEmpty()) {
            assertEquals(Kind.NO_SNAPSHOTS, e.kind(), msg);
            return;
        }
        if (target instanceof RestoreTarget.AtTxid t) {
            assertTrue(bestPoint(lay, t.txid(), Long.MAX_VALUE) != t.txid(), "a chain to the txid exists: " + msg);
        } else if (target instanceof RestoreTarget.AtTime t) {
            long tt = t.millis();
            if (tt > lay.now() + 1000) {
                assertEquals(Kind.IN_FUTURE, e.kind(), msg);
                return;
            }
            long best = bestPoint(lay, Long.MAX_VALUE, tt);
            if (best < 0) {
                assertEquals(Kind.BEFORE_EARLIEST, e.kind(), msg);
                return;
            }
            // a gap error must be backed by a restore point after the best reachable one, at or before T
            assertEquals(Kind.GAP, e.kind(), msg);
            assertTrue(laterPointExists(lay, best, tt), "gap reported without a later point at or before T: " + msg);
        } else {
            fail("latest must always plan when a snapshot exists: " + msg);
        }
    }

    /** Whether the file names prove a restore point after {@code txid} with a time at or before T. */
    static boolean laterPointExists(Layout lay, long txid, long tt) {
        for (FileInfo f : lay.files()) {
            if (f.maxTxid() > txid && f.maxTime() <= tt) return true;
            if (!f.isSnapshot() && f.level() == 0 && f.minTxid() > txid && f.minTime() <= tt) return true;
        }
        return false;
    }

    static List<String> names(List<FileInfo> files) {
        return files.stream().map(FileInfo::name).sorted().toList();
    }
}
