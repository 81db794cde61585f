package dev.walship.retention;

import dev.walship.segment.FileInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides which replica files may be deleted (pure: file list and clock in, deletions out). It keeps
 * every instant of the retention window restorable: the newest snapshot at or before the window's
 * start stays as the base, with every segment after it; the newest snapshot and pinned snapshots are
 * never deleted (a pinned one alone restores its label); compacted-away L0/L1 files go once they are covered and older than their own limits.
 */
public final class Retention {
    private Retention() {}

    /** Limits, in milliseconds. */
    public record Policy(long retentionMs, long l0RetentionMs, long l1RetentionMs) {}

    public static List<FileInfo> expired(List<FileInfo> files, Policy policy, long now, Set<Long> pinnedSnapshotTxids) {
        List<FileInfo> snapshots = files.stream().filter(FileInfo::isSnapshot)
                .sorted(Comparator.comparingLong(FileInfo::maxTxid)).toList();
        List<FileInfo> out = new ArrayList<>();
        if (!snapshots.isEmpty()) {
            long windowStart = now - policy.retentionMs();
            FileInfo base = snapshots.get(0);
            for (FileInfo s : snapshots) if (s.maxTime() <= windowStart) base = s;
            FileInfo newest = snapshots.get(snapshots.size() - 1);
            for (FileInfo s : snapshots) {
                if (s.maxTxid() < base.maxTxid() && s != newest && !pinnedSnapshotTxids.contains(s.maxTxid())) out.add(s);
            }
            // A pinned (labelled) snapshot is a restore point on its own: the segments after it are not kept for it.
            long keepAfter = base.maxTxid();
            for (FileInfo f : files) {
                if (!f.isSnapshot() && f.maxTxid() <= keepAfter) out.add(f);
            }
        }
        Set<FileInfo> gone = new HashSet<>(out);
        List<Long> keptSnapshots = snapshots.stream().filter(s -> !gone.contains(s)).map(FileInfo::maxTxid).toList();
        for (FileInfo f : files) {
            if (f.isSnapshot() || gone.contains(f)) continue;
            long limit = now - (f.level() == 0 ? policy.l0RetentionMs() : policy.l1RetentionMs());
            boolean old = f.level() <= 1 && f.maxTime() < limit;
            if (old && coveredWithoutSpanningSnapshot(f, files, keptSnapshots, limit)) {
                out.add(f);
                gone.add(f);
            }
        }
        return out;
    }

    /**
     * Whether a higher-level file older than {@code limit} covers {@code f} and keeps every kept snapshot usable:
     * a restore from a snapshot S needs a file starting exactly at S + 1, so a cover that starts at or before S
     * and ends after it (written by a planner that did not split at snapshots) cannot replace the files after S.
     */
    private static boolean coveredWithoutSpanningSnapshot(FileInfo f, List<FileInfo> files, List<Long> keptSnapshots,
                                                          long limit) {
        for (FileInfo g : files) {
            if (g.isSnapshot() || g.level() <= f.level()) continue;
            if (g.minTxid() > f.minTxid() || g.maxTxid() < f.maxTxid()) continue;
            // f's younger siblings under the same cover are kept while the cover is young: without f they could
            // only be reached through the cover, which overshoots them (ReplicaCrashFaultTest found this)
            if (g.maxTime() >= limit) continue;
            boolean spans = false;
            for (long s : keptSnapshots) {
                if (g.minTxid() <= s && s < g.maxTxid() && s < f.maxTxid()) {
                    spans = true;
                    break;
                }
            }
            if (!spans) return true;
        }
        return false;
    }

    /** Whether a file of a higher level covers this file's whole txid range. */
    static boolean coveredAbove(FileInfo f, List<FileInfo> files) {
        Optional<FileInfo> cover = files.stream()
                .filter(g -> !g.isSnapshot() && g.level() > f.level())
                .filter(g -> g.minTxid() <= f.minTxid() && g.maxTxid() >= f.maxTxid())
                .findAny();
        return cover.isPresent();
    }
}
