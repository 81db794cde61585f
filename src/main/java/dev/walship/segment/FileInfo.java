package dev.walship.segment;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Identity of one data file in a replica (a snapshot or a segment), derived from and rendered to its
 * object name as laid down in docs/FORMAT.md, so that listing a replica never needs to open a file.
 *
 * @param size stored size in bytes, or -1 when unknown (a file about to be written)
 */
public record FileInfo(Kind kind, int level, long minTxid, long maxTxid, long minTime, long maxTime, long size) {

    /** What a data file holds: a full database image, or the pages of a txid range. */
    public enum Kind { SNAPSHOT, SEGMENT }

    public static final int MAX_LEVEL = 2;

    private static final Pattern SNAPSHOT = Pattern.compile("snapshots/([0-9a-f]{16})-([0-9a-f]{16})\\.snap");
    private static final Pattern SEGMENT =
            Pattern.compile("L([0-9])/([0-9a-f]{16})-([0-9a-f]{16})-([0-9a-f]{16})-([0-9a-f]{16})\\.seg");

    public FileInfo {
        if (kind == null) throw new IllegalArgumentException("kind is required");
        if (minTxid < 1 || maxTxid < minTxid) {
            throw new IllegalArgumentException("bad txid range " + minTxid + ".." + maxTxid);
        }
        if (maxTime < minTime) throw new IllegalArgumentException("bad time range " + minTime + ".." + maxTime);
        if (kind == Kind.SNAPSHOT && (level != 0 || minTxid != maxTxid || minTime != maxTime)) {
            throw new IllegalArgumentException("a snapshot has level 0 and a single txid and time");
        }
        if (level < 0 || level > MAX_LEVEL) throw new IllegalArgumentException("bad level " + level);
    }

    public static FileInfo snapshot(long txid, long time, long size) {
        return new FileInfo(Kind.SNAPSHOT, 0, txid, txid, time, time, size);
    }

    public static FileInfo segment(int level, long minTxid, long maxTxid, long minTime, long maxTime, long size) {
        return new FileInfo(Kind.SEGMENT, level, minTxid, maxTxid, minTime, maxTime, size);
    }

    /** The object name relative to the replica root, e.g. {@code L0/...-...-...-....seg}. */
    public String name() {
        if (kind == Kind.SNAPSHOT) return "snapshots/" + hex(maxTxid) + "-" + hex(maxTime) + ".snap";
        return "L" + level + "/" + hex(minTxid) + "-" + hex(maxTxid) + "-" + hex(minTime) + "-" + hex(maxTime) + ".seg";
    }

    /** The same file with its stored size filled in. */
    public FileInfo withSize(long newSize) {
        return new FileInfo(kind, level, minTxid, maxTxid, minTime, maxTime, newSize);
    }

    /** Parses a replica-relative object name; anything that is not a walship data file is empty. */
    public static Optional<FileInfo> parse(String relativeName, long size) {
        try {
            Matcher m = SNAPSHOT.matcher(relativeName);
            if (m.matches()) {
                return Optional.of(snapshot(unhex(m.group(1)), unhex(m.group(2)), size));
            }
            m = SEGMENT.matcher(relativeName);
            if (m.matches()) {
                return Optional.of(segment(Integer.parseInt(m.group(1)), unhex(m.group(2)), unhex(m.group(3)),
                        unhex(m.group(4)), unhex(m.group(5)), size));
            }
        } catch (IllegalArgumentException e) {
            // a name of the right shape with impossible values (e.g. min > max) is not ours either
            return Optional.empty();
        }
        return Optional.empty();
    }

    public boolean isSnapshot() {
        return kind == Kind.SNAPSHOT;
    }

    private static String hex(long v) {
        String s = Long.toHexString(v);
        return "0".repeat(16 - s.length()) + s;
    }

    private static long unhex(String s) {
        return Long.parseUnsignedLong(s, 16);
    }
}
