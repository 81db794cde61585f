package dev.walship.retention;

import dev.walship.segment.FileInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * Chooses which files to merge into the next level (pure). Files of level L whose time window
 * (maxTime / interval) has closed, and which no level L+1 file covers yet, are grouped by window and
 * split wherever txids are not contiguous (a snapshot after a break sits in such a gap).
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
        List<Merge> out = new ArrayList<>();
        for (List<FileInfo> group : windows.values()) {
            List<FileInfo> run = new ArrayList<>();
            for (FileInfo f : group) {
                if (!run.isEmpty() && f.minTxid() != run.get(run.size() - 1).maxTxid() + 1) {
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
