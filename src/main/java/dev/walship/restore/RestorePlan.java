package dev.walship.restore;

import dev.walship.segment.FileInfo;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What a restore will download and where it stops: a base snapshot, the contiguous segments after it, and the
 * limits at which the executor stops applying records.
 *
 * @param stopAfterTxid apply only records with txid at or below this ({@link Long#MAX_VALUE}: no limit)
 * @param stopAtTime apply only records with time at or below this ({@link Long#MAX_VALUE}: not a time target)
 * @param expectedTxid the txid the restore ends at, when the planner can know it from file names alone
 * @param explanation one line for humans saying what was chosen and how precise it is
 */
public record RestorePlan(FileInfo snapshot, List<FileInfo> segments, RestoreTarget target, long stopAfterTxid,
                          long stopAtTime, Granularity granularity, OptionalLong expectedTxid, String explanation) {

    public RestorePlan {
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(granularity, "granularity");
        Objects.requireNonNull(expectedTxid, "expectedTxid");
        Objects.requireNonNull(explanation, "explanation");
        if (!snapshot.isSnapshot()) throw new IllegalArgumentException("base is not a snapshot: " + snapshot.name());
        segments = List.copyOf(segments);
        long next = snapshot.maxTxid() + 1;
        for (FileInfo f : segments) {
            if (f.isSnapshot()) throw new IllegalArgumentException("a snapshot cannot follow the base: " + f.name());
            // a hole or overlap here would silently produce a database that never existed
            if (f.minTxid() != next) {
                throw new IllegalArgumentException("segments are not contiguous: expected txid " + Txids.hex(next)
                        + ", got " + f.name());
            }
            next = f.maxTxid() + 1;
        }
        if (explanation.isBlank() || explanation.contains("\n")) {
            throw new IllegalArgumentException("explanation must be one non-blank line");
        }
        if (expectedTxid.isPresent() && expectedTxid.getAsLong() < snapshot.maxTxid()) {
            throw new IllegalArgumentException("expected txid is before the snapshot");
        }
    }

    /** Snapshot then segments, in the order they are applied. */
    public List<FileInfo> files() {
        var all = new java.util.ArrayList<FileInfo>(segments.size() + 1);
        all.add(snapshot);
        all.addAll(segments);
        return all;
    }

    /** Sum of the known stored sizes of every file in the plan (unknown sizes count as zero). */
    public long totalBytes() {
        long total = 0;
        for (FileInfo f : files()) total += Math.max(0, f.size());
        return total;
    }
}
