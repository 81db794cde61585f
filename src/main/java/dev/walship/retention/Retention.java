package dev.walship.retention;

import dev.walship.segment.FileInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides which replica files may be deleted (pure: file list and clock in, deletions out). It keeps
 * every instant of the retention window restorable: the newest snapshot at or before the window's
 * start stays as the base, with every segment after it; the newest snapshot and pinned snapshots are
 * never deleted; compacted-away L0/L1 files go once they are covered and older than their own limits.
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
            long keepAfter = minPinnedOr(base.maxTxid(), pinnedSnapshotTxids, snapshots);
            for (FileInfo f : files) {
                if (!f.isSnapshot() && f.maxTxid() <= keepAfter) out.add(f);
            }
        }
        for (FileInfo f : files) {
            if (f.isSnapshot() || out.contains(f)) continue;
            if (f.level() == 0 && f.maxTime() < now - policy.l0RetentionMs() && coveredAbove(f, files)) out.add(f);
            if (f.level() == 1 && f.maxTime() < now - policy.l1RetentionMs() && coveredAbove(f, files)) out.add(f);
        }
        return out;
    }

    /** Segments are kept from the oldest pinned snapshot that is older than the base, so labels stay restorable. */
    private static long minPinnedOr(long base, Set<Long> pinned, List<FileInfo> snapshots) {
        long keep = base;
        for (FileInfo s : snapshots) if (pinned.contains(s.maxTxid())) keep = Math.min(keep, s.maxTxid());
        return keep;
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
