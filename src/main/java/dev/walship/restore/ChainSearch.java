package dev.walship.restore;

import dev.walship.segment.FileInfo;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The graph of a replica listing: positions are "next txid needed", edges are segment files starting there.
 * Breadth-first search gives, for every reachable position, a chain with the fewest files.
 */
final class ChainSearch {

    /** How a position was first reached: the file that ended just before it and the position that file started at. */
    record Step(FileInfo via, long from, int depth) {}

    /** Every position reachable from one snapshot, in BFS order. */
    record Reached(FileInfo snapshot, Map<Long, Step> steps) {

        /** The files leading from the snapshot to {@code position}, in apply order. */
        List<FileInfo> chainTo(long position) {
            var chain = new ArrayList<FileInfo>();
            for (Step s = steps.get(position); s.via() != null; s = steps.get(s.from())) chain.add(s.via());
            Collections.reverse(chain);
            return chain;
        }

        /** The time of the restore point just before {@code position}. */
        long timeBefore(long position) {
            Step s = steps.get(position);
            return s.via() == null ? snapshot.maxTime() : s.via().maxTime();
        }
    }

    // Files with equal start are tried longest first, then highest level, so ties in BFS prefer fewer, bigger files.
    private static final Comparator<FileInfo> PREFERENCE = Comparator.comparingLong(FileInfo::maxTxid).reversed()
            .thenComparing(Comparator.comparingInt(FileInfo::level).reversed());

    final List<FileInfo> snapshotsNewestFirst;
    final List<FileInfo> segments;
    final long maxTxidInReplica;
    private final Map<Long, List<FileInfo>> byStart = new HashMap<>();

    ChainSearch(List<FileInfo> files) {
        var snaps = new ArrayList<FileInfo>();
        var segs = new ArrayList<FileInfo>();
        long max = 0;
        for (FileInfo f : files) {
            (f.isSnapshot() ? snaps : segs).add(f);
            max = Math.max(max, f.maxTxid());
        }
        snaps.sort(Comparator.comparingLong(FileInfo::maxTxid).thenComparingLong(FileInfo::maxTime).reversed());
        snapshotsNewestFirst = List.copyOf(snaps);
        segments = List.copyOf(segs);
        maxTxidInReplica = max;
        for (FileInfo f : segs) byStart.computeIfAbsent(f.minTxid(), k -> new ArrayList<>()).add(f);
        byStart.values().forEach(l -> l.sort(PREFERENCE));
    }

    /** Segment files starting exactly at {@code txid}, longest first. */
    List<FileInfo> startingAt(long txid) {
        return byStart.getOrDefault(txid, List.of());
    }

    /** BFS from a snapshot following only files accepted by {@code fits}. */
    Reached explore(FileInfo snapshot, Predicate<FileInfo> fits) {
        var steps = new LinkedHashMap<Long, Step>();
        var queue = new ArrayDeque<Long>();
        long start = snapshot.maxTxid() + 1;
        steps.put(start, new Step(null, 0, 0));
        queue.add(start);
        while (!queue.isEmpty()) {
            long pos = queue.poll();
            int depth = steps.get(pos).depth();
            for (FileInfo f : startingAt(pos)) {
                long next = f.maxTxid() + 1;
                if (fits.test(f) && !steps.containsKey(next)) {
                    steps.put(next, new Step(f, pos, depth + 1));
                    queue.add(next);
                }
            }
        }
        return new Reached(snapshot, steps);
    }

    /** Oldest snapshot to furthest contiguous txid from any snapshot; empty without snapshots. */
    Optional<RestoreWindow> window() {
        if (snapshotsNewestFirst.isEmpty()) return Optional.empty();
        FileInfo oldest = snapshotsNewestFirst.get(snapshotsNewestFirst.size() - 1);
        long latestTxid = 0;
        long latestTime = 0;
        for (FileInfo s : snapshotsNewestFirst) {
            Reached r = explore(s, f -> true);
            for (long pos : r.steps().keySet()) {
                if (pos - 1 > latestTxid) {
                    latestTxid = pos - 1;
                    latestTime = r.timeBefore(pos);
                }
            }
        }
        return Optional.of(new RestoreWindow(oldest.maxTxid(), oldest.maxTime(), latestTxid,
                Math.max(latestTime, oldest.maxTime())));
    }

    /**
     * Why the history stops after {@code txid}: a missing range, or files that start there but do not fit.
     * Used in one-line errors, so it never names more than a couple of objects.
     */
    String gapAfter(long txid) {
        long next = txid + 1;
        if (!startingAt(next).isEmpty()) {
            FileInfo f = startingAt(next).get(0);
            return "the only files starting at txid " + Txids.hex(next) + " (e.g. " + f.name() + ") end after the target";
        }
        long nextStart = Long.MAX_VALUE;
        for (FileInfo f : segments) if (f.minTxid() > next) nextStart = Math.min(nextStart, f.minTxid());
        for (FileInfo f : snapshotsNewestFirst) if (f.maxTxid() > next) nextStart = Math.min(nextStart, f.maxTxid());
        FileInfo spanning = null;
        for (FileInfo f : segments) {
            if (f.minTxid() < next && f.maxTxid() >= next) spanning = f;
        }
        String range = nextStart == Long.MAX_VALUE ? "txids from " + Txids.hex(next) + " on"
                : "txids " + Txids.hex(next) + ".." + Txids.hex(nextStart - 1);
        String missing = range + " are missing";
        if (spanning != null) {
            missing = range + " are only inside " + spanning.name() + ", which starts earlier, at txid "
                    + Txids.hex(spanning.minTxid());
        }
        return missing;
    }
}
