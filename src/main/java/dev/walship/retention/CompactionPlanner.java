package dev.walship.retention;

import dev.walship.segment.FileInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * Chooses which files to merge into the next level (pure). Files of level L whose time window
 * (maxTime / interval) has closed, and which no level L+1 file covers yet, are grouped by window and
 * split wherever txids are not contiguous (a snapshot after a break sits in such a gap) and after every
 * snapshot txid (a periodic snapshot at S is followed by a segment starting at S + 1).
 */
public final class CompactionPlanner {
    private CompactionPlanner() {}

    /** One merge: these consecutive files of one level become one file of the next. */
    public record Merge(int toLevel, List<FileInfo> inputs) {
        public FileInfo output(long size) {
            FileInfo first = inputs.get(0);
            FileInfo last = inputs.get(inputs.size() - 1);
            return FileInfo.segment(toLevel, first.minTxid(), last.maxTxid(), first.minTime(), last.maxTime(), size);
        }
    }

    public static List<Merge> plan(List<FileInfo> files, int fromLevel, long intervalMs, long now) {
        List<FileInfo> candidates = files.stream()
                .filter(f -> !f.isSnapshot() && f.level() == fromLevel)
                .filter(f -> !Retention.coveredAbove(f, files))
                .sorted(Comparator.comparingLong(FileInfo::minTxid))
                .toList();
        TreeMap<Long, List<FileInfo>> windows = new TreeMap<>();
        for (FileInfo f : candidates) {
            long w = Math.floorDiv(f.maxTime(), intervalMs);
            // Only closed windows: a file still arriving in this window would otherwise be left out.
            if ((w + 1) * intervalMs > now) continue;
            windows.computeIfAbsent(w, k -> new ArrayList<>()).add(f);
        }
        // A merged file must never span a snapshot: a restore starts at "snapshot txid + 1", so the
        // file after a (periodic) snapshot S has to start exactly at S + 1 once its L0 files are gone.
        java.util.Set<Long> snapshotTxids = new java.util.HashSet<>();
        for (FileInfo f : files) if (f.isSnapshot()) snapshotTxids.add(f.maxTxid());
        List<Merge> out = new ArrayList<>();
        for (List<FileInfo> group : windows.values()) {
            List<FileInfo> run = new ArrayList<>();
            for (FileInfo f : group) {
                FileInfo prev = run.isEmpty() ? null : run.get(run.size() - 1);
                if (prev != null && (f.minTxid() != prev.maxTxid() + 1 || snapshotTxids.contains(prev.maxTxid()))) {
                    out.add(new Merge(fromLevel + 1, run));
                    run = new ArrayList<>();
                }
                run.add(f);
            }
            if (!run.isEmpty()) out.add(new Merge(fromLevel + 1, run));
        }
        return out;
    }
}
