package dev.walship.restore;

import static dev.walship.restore.RestoreException.Kind.BEFORE_EARLIEST;
import static dev.walship.restore.RestoreException.Kind.BEYOND_LATEST;
import static dev.walship.restore.RestoreException.Kind.COMPACTED;
import static dev.walship.restore.RestoreException.Kind.GAP;
import static dev.walship.restore.RestoreException.Kind.IN_FUTURE;
import static dev.walship.restore.RestoreException.Kind.NO_SNAPSHOTS;

import dev.walship.segment.FileInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Chooses which replica files a restore needs, from a listing alone (no I/O), following the rules in
 * docs/FORMAT.md "Restoring".
 */
public final class RestorePlanner {

    /** Clock skew we forgive between the caller and the machine that stamped the transactions. */
    static final long FUTURE_SLACK_MILLIS = 1000;

    private RestorePlanner() {}

    /**
     * One way to reach a restore point from one snapshot. {@code rank} orders how far it gets; it is
     * {@link Long#MAX_VALUE} when the point is provably the exact target state.
     */
    private record Option(FileInfo snapshot, List<FileInfo> files, long rank, boolean straddle, long endTxid,
                          long endTime) {}

    public static RestorePlan plan(List<FileInfo> files, RestoreTarget target, long nowMillis) throws RestoreException {
        return plan("(unnamed)", files, target, nowMillis);
    }

    /** Plans a restore of {@code target}; {@code replica} only names the replica in error messages. */
    public static RestorePlan plan(String replica, List<FileInfo> files, RestoreTarget target, long nowMillis)
            throws RestoreException {
        ChainSearch g = new ChainSearch(files);
        RestoreWindow w = g.window().orElseThrow(() -> new RestoreException(NO_SNAPSHOTS, "replica " + replica
                + " has no snapshots yet: is walship replicate running against it?"));
        if (target instanceof RestoreTarget.AtTxid t) return planTxid(g, w, t);
        if (target instanceof RestoreTarget.AtTime t) return planTime(g, w, t, nowMillis);
        return planLatest(g, target);
    }

    private static RestorePlan planLatest(ChainSearch g, RestoreTarget target) {
        var options = new ArrayList<Option>();
        for (FileInfo s : g.snapshotsNewestFirst) {
            ChainSearch.Reached r = g.explore(s, f -> true);
            Option best = null;
            for (long pos : r.steps().keySet()) {
                Option o = exact(r, pos, pos - 1);
                if (best == null || o.rank() > best.rank()) best = o;
            }
            options.add(best);
        }
        Option o = choose(options);
        String why = base(o) + "; the latest state, txid " + Txids.hex(o.endTxid()) + " at " + Txids.time(o.endTime());
        return plan(o, target, Long.MAX_VALUE, Long.MAX_VALUE, Granularity.TRANSACTION, why);
    }

    private static RestorePlan planTxid(ChainSearch g, RestoreWindow w, RestoreTarget.AtTxid t) throws RestoreException {
        long x = t.txid();
        if (x < w.earliestTxid()) {
            throw new RestoreException(BEFORE_EARLIEST, "txid " + Txids.hex(x) + " is before the oldest snapshot ("
                    + w.describe() + "): pick a txid inside that window");
        }
        if (x > w.latestTxid()) {
            if (g.maxTxidInReplica >= x) {
                throw new RestoreException(GAP, "txid " + Txids.hex(x) + " cannot be reached: after txid "
                        + Txids.hex(w.latestTxid()) + " " + g.gapAfter(w.latestTxid()) + " (" + w.describe()
                        + "): pick a txid inside that window");
            }
            throw new RestoreException(BEYOND_LATEST, "txid " + Txids.hex(x) + " is newer than anything in the replica ("
                    + w.describe() + "): pick a txid inside that window, or wait for walship replicate to ship it");
        }
        var options = new ArrayList<Option>();
        long furthest = 0;
        FileInfo compacted = null;
        for (FileInfo s : g.snapshotsNewestFirst) {
            if (s.maxTxid() > x) continue;
            ChainSearch.Reached r = g.explore(s, f -> f.maxTxid() <= x);
            Option best = r.steps().containsKey(x + 1) ? exact(r, x + 1, x) : null;
            for (long pos : r.steps().keySet()) {
                furthest = Math.max(furthest, pos - 1);
                for (FileInfo f : g.startingAt(pos)) {
                    if (f.maxTxid() <= x || f.minTxid() > x) continue;
                    if (f.level() != 0) {
                        compacted = f;
                    } else if (best == null || r.steps().get(pos).depth() + 1 < best.files().size()) {
                        best = straddle(r, pos, f, x);
                    }
                }
            }
            options.add(best);
        }
        if (options.stream().allMatch(o -> o == null)) {
            if (compacted != null) {
                throw new RestoreException(COMPACTED, "txid " + Txids.hex(x) + " is inside compacted file "
                        + compacted.name() + ", which keeps only the state after txid " + Txids.hex(compacted.maxTxid())
                        + ": restore txid " + Txids.hex(compacted.minTxid() - 1) + " or " + Txids.hex(compacted.maxTxid())
                        + " instead");
            }
            throw new RestoreException(GAP, "txid " + Txids.hex(x) + " cannot be reached: after txid "
                    + Txids.hex(furthest) + " " + g.gapAfter(furthest) + " (" + w.describe()
                    + "): pick a txid at or before " + Txids.hex(furthest) + " or after the gap");
        }
        Option o = choose(options);
        String why = base(o) + "; stops exactly after " + t.describe()
                + (o.straddle() ? ", inside the last L0 file" : "");
        return plan(o, t, x, Long.MAX_VALUE, Granularity.TRANSACTION, why);
    }

    private static RestorePlan planTime(ChainSearch g, RestoreWindow w, RestoreTarget.AtTime t, long now)
            throws RestoreException {
        long tt = t.millis();
        if (tt > now + FUTURE_SLACK_MILLIS) {
            throw new RestoreException(IN_FUTURE, "time " + t.time() + " is in the future (now is " + Txids.time(now)
                    + "; " + w.describe() + "): pick a time at or before now");
        }
        var options = new ArrayList<Option>();
        for (FileInfo s : g.snapshotsNewestFirst) {
            if (s.maxTime() > tt) continue;
            ChainSearch.Reached r = g.explore(s, f -> f.maxTime() <= tt);
            Option best = null;
            for (long pos : r.steps().keySet()) {
                Option o = exact(r, pos, pos - 1);
                if (best == null || o.endTxid() > best.endTxid()) best = o;
            }
            // only the furthest exact point can be the exact state at T: any later point would have time <= T too
            if (provablyExact(g, best.endTxid(), tt)) best = withRank(best, Long.MAX_VALUE);
            for (long pos : r.steps().keySet()) {
                for (FileInfo f : g.startingAt(pos)) {
                    if (f.level() != 0 || f.minTime() > tt || f.maxTime() <= tt) continue;
                    int files = r.steps().get(pos).depth() + 1;
                    if (best.rank() != Long.MAX_VALUE || files < best.files().size()) best = straddle(r, pos, f, -1);
                }
            }
            options.add(best);
        }
        if (options.isEmpty()) {
            throw new RestoreException(BEFORE_EARLIEST, "time " + t.time() + " is before the oldest snapshot ("
                    + w.describe() + "): pick a later time");
        }
        Option o = choose(options);
        if (o.straddle()) {
            String why = base(o) + "; stops at the last transaction at or before " + t.time()
                    + "; every transaction is a restore point here";
            return plan(o, t, Long.MAX_VALUE, tt, Granularity.TRANSACTION, why);
        }
        long p = o.endTxid();
        if (o.rank() == Long.MAX_VALUE) {
            String why = p >= g.maxTxidInReplica
                    ? t.time() + " is after the newest transaction: restoring the latest state, txid " + Txids.hex(p)
                            + " at " + Txids.time(o.endTime()) + ", from " + base(o)
                    : base(o) + "; ends at txid " + Txids.hex(p) + " at " + Txids.time(o.endTime())
                            + ", the last transaction at or before " + t.time() + "; every transaction is a restore point here";
            return plan(o, t, Long.MAX_VALUE, tt, Granularity.TRANSACTION, why);
        }
        FileInfo later = laterPointAtOrBefore(g, p, tt);
        if (later != null) {
            throw new RestoreException(GAP, "cannot reach time " + t.time() + ": " + later.name()
                    + " holds a transaction at or before it, but after txid " + Txids.hex(p) + " " + g.gapAfter(p)
                    + " (" + w.describe() + "): pick a time at or before " + Txids.time(o.endTime())
                    + " or after the gap");
        }
        List<FileInfo> next = g.startingAt(p + 1);
        String why = next.isEmpty()
                ? base(o) + "; after txid " + Txids.hex(p) + " " + g.gapAfter(p) + ": restore point is txid "
                        + Txids.hex(p) + " at " + Txids.time(o.endTime()) + ", the newest reachable at or before " + t.time()
                : base(o) + "; " + t.time() + " falls inside compacted L" + next.get(0).level()
                        + " files: restore point is the newest file boundary at or before it, txid " + Txids.hex(p)
                        + " at " + Txids.time(o.endTime());
        return plan(o, t, Long.MAX_VALUE, tt, Granularity.FILE, why);
    }

    /** True when txid p+1 is known to be after T, so stopping at p is exactly the state at T. */
    private static boolean provablyExact(ChainSearch g, long p, long t) {
        if (p >= g.maxTxidInReplica) return true;
        for (FileInfo f : g.snapshotsNewestFirst) if (f.maxTxid() == p + 1 && f.minTime() > t) return true;
        for (FileInfo f : g.segments) if (f.minTxid() <= p + 1 && f.maxTxid() >= p + 1 && f.minTime() > t) return true;
        return false;
    }

    /** A file proving that a restore point after p, at or before T, exists in the replica; null if none does. */
    private static FileInfo laterPointAtOrBefore(ChainSearch g, long p, long t) {
        for (FileInfo f : g.segments) {
            if (f.maxTxid() > p && f.maxTime() <= t) return f;
            if (f.level() == 0 && f.minTxid() > p && f.minTime() <= t) return f;
        }
        for (FileInfo f : g.snapshotsNewestFirst) if (f.maxTxid() > p && f.maxTime() <= t) return f;
        return null;
    }

    /**
     * The newest snapshot at or before the target wins when it gets as far as any; failing that, the older
     * snapshot that gets furthest with the fewest files (fewer objects to fetch), newest on ties.
     */
    private static Option choose(List<Option> newestFirst) {
        long best = Long.MIN_VALUE;
        for (Option o : newestFirst) if (o != null) best = Math.max(best, o.rank());
        Option first = newestFirst.get(0);
        if (first != null && first.rank() == best) return first;
        Option pick = null;
        for (Option o : newestFirst) {
            if (o != null && o.rank() == best && (pick == null || o.files().size() < pick.files().size())) pick = o;
        }
        return pick;
    }

    private static Option exact(ChainSearch.Reached r, long pos, long txid) {
        return new Option(r.snapshot(), r.chainTo(pos), txid, false, txid, r.timeBefore(pos));
    }

    private static Option straddle(ChainSearch.Reached r, long pos, FileInfo last, long txid) {
        var files = new ArrayList<>(r.chainTo(pos));
        files.add(last);
        return new Option(r.snapshot(), files, txid < 0 ? Long.MAX_VALUE : txid, true, txid, -1);
    }

    private static Option withRank(Option o, long rank) {
        return new Option(o.snapshot(), o.files(), rank, o.straddle(), o.endTxid(), o.endTime());
    }

    private static RestorePlan plan(Option o, RestoreTarget target, long stopAfterTxid, long stopAtTime,
                                    Granularity granularity, String why) {
        OptionalLong expected = o.endTxid() < 0 ? OptionalLong.empty() : OptionalLong.of(o.endTxid());
        return new RestorePlan(o.snapshot(), o.files(), target, stopAfterTxid, stopAtTime, granularity, expected, why);
    }

    /** "snapshot 0x1a at 2026-...Z + 3 files (2 L0, 1 L2)". */
    private static String base(Option o) {
        String s = "snapshot " + Txids.hex(o.snapshot().maxTxid()) + " at " + Txids.time(o.snapshot().maxTime());
        if (o.files().isEmpty()) return s + " alone";
        int[] perLevel = new int[FileInfo.MAX_LEVEL + 1];
        for (FileInfo f : o.files()) perLevel[f.level()]++;
        var parts = new ArrayList<String>();
        for (int l = 0; l < perLevel.length; l++) if (perLevel[l] > 0) parts.add(perLevel[l] + " L" + l);
        return s + " + " + o.files().size() + (o.files().size() == 1 ? " file (" : " files (")
                + String.join(", ", parts) + ")";
    }
}
