package dev.walship.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.regex.Pattern;

/**
 * Validation rules, written once and used both by the records' constructors and by the loader (which needs the
 * user's key path in each message). Each rule returns null when the value is fine, else "what (how to fix)".
 * Rule messages never echo values, so they are safe for secrets.
 */
final class Rules {
    /** Below this, syncing mostly burns CPU and fsyncs without making backups meaningfully fresher. */
    static final Duration MIN_SYNC_INTERVAL = Duration.ofMillis(10);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    static final List<String> LOG_LEVELS = List.of("trace", "debug", "info", "warn", "error");
    static final List<String> LOG_FORMATS = List.of("text", "json");

    private Rules() {
    }

    static String absolutePath(Path p) {
        if (p == null) {
            return "required (give an absolute path)";
        }
        // Relative paths would depend on the working directory of whoever starts the sidecar.
        return p.isAbsolute() ? null : "must be an absolute path (start it with /)";
    }

    static String dbPath(Path p) {
        String bad = absolutePath(p);
        if (bad == null && p.normalize().getFileName() == null) {
            bad = "must name a database file, not the root directory (e.g. /data/app.db)";
        }
        return bad;
    }

    static String name(String n) {
        if (n == null) {
            return "required (use 1-128 letters, digits, '.', '_' or '-')";
        }
        if (!NAME.matcher(n).matches()) {
            // Names become file and directory names in the spool and in replicas.
            return "invalid name (use 1-128 letters, digits, '.', '_' or '-'; names become file names)";
        }
        if (n.equals(".") || n.equals("..")) {
            return "invalid name (\".\" and \"..\" are not allowed because names become file names)";
        }
        return null;
    }

    static String replicas(List<ReplicaSpec> replicas) {
        if (replicas == null || replicas.isEmpty()) {
            return "at least one replica is required (add a replica URL such as file:///backups/app)";
        }
        return replicas.stream().anyMatch(java.util.Objects::isNull) ? "must not contain empty entries (remove the empty entry)" : null;
    }

    static String syncInterval(Duration d) {
        String bad = required(d);
        if (bad == null && d.compareTo(MIN_SYNC_INTERVAL) < 0) {
            bad = "must be at least 10ms (syncing more often only costs CPU and I/O; consider sync-on-commit: true)";
        }
        return bad;
    }

    /** Zero (off), or at least a second; hours are sensible: each validation downloads the whole database. */
    static String validationInterval(Duration d) {
        String bad = required(d);
        if (bad == null && (d.isNegative() || (!d.isZero() && d.compareTo(Duration.ofSeconds(1)) < 0))) {
            bad = "must be 0 (off) or at least 1s (e.g. 6h: each validation downloads the whole database)";
        }
        return bad;
    }

    static String positive(Duration d, String example) {
        String bad = required(d);
        if (bad == null && (d.isZero() || d.isNegative())) {
            bad = "must be greater than zero (e.g. " + example + ")";
        }
        return bad;
    }

    static String notNegative(Duration d) {
        String bad = required(d);
        if (bad == null && d.isNegative()) {
            bad = "must not be negative (use 0 or more, e.g. 100ms)";
        }
        return bad;
    }

    static String l2Interval(Duration l2, Duration l1) {
        String bad = positive(l2, "1h");
        if (bad == null && l1 != null && l2.compareTo(l1) < 0) {
            bad = "must not be shorter than l1-interval (L2 windows are built from whole L1 windows)";
        }
        return bad;
    }

    static String atLeastOne(long n) {
        return n < 1 ? "must be at least 1 (e.g. 1000)" : null;
    }

    static String positiveSize(long n) {
        return n < 1 ? "must be greater than zero (e.g. 64MiB)" : null;
    }

    static String logLevel(String level) {
        return level != null && LOG_LEVELS.contains(level) ? null : "unknown log level (use one of " + LOG_LEVELS + ")";
    }

    static String logFormat(String format) {
        return format != null && LOG_FORMATS.contains(format) ? null : "unknown log format (use text or json)";
    }

    /**
     * Checks what must be unique across databases; {@code prefix} turns a db index into the key path prefix the
     * user wrote (e.g. {@code dbs[2].}).
     */
    static void acrossDbs(List<DbConfig> dbs, IntFunction<String> prefix, Problems problems) {
        Map<String, Integer> names = new HashMap<>();
        Map<Path, Integer> paths = new HashMap<>();
        Map<Path, Integer> spools = new HashMap<>();
        List<ReplicaSpec> replicaSpecs = new ArrayList<>();
        List<String> replicaKeys = new ArrayList<>();
        for (int i = 0; i < dbs.size(); i++) {
            DbConfig db = dbs.get(i);
            Integer other = names.putIfAbsent(db.name(), i);
            if (other != null) {
                problems.add(prefix.apply(i) + "name", "same name as " + prefix.apply(other) + "name"
                        + " (names default to the file name; set a unique name: on one of them)");
            }
            other = paths.putIfAbsent(db.path(), i);
            if (other != null) {
                problems.add(prefix.apply(i) + "path", "same database as " + prefix.apply(other) + "path"
                        + " (list each database once)");
            }
            other = spools.putIfAbsent(db.spoolDir(), i);
            if (other != null) {
                problems.add(prefix.apply(i) + "spool-dir", "same spool directory as " + prefix.apply(other)
                        + "spool-dir (give each database its own spool-dir)");
            }
            for (int r = 0; r < db.replicas().size(); r++) {
                ReplicaSpec p = db.replicas().get(r);
                String key = prefix.apply(i) + "replicas[" + r + "]";
                for (int j = 0; j < replicaSpecs.size(); j++) {
                    ReplicaSpec q = replicaSpecs.get(j);
                    if (p.overlaps(q)) {
                        // Two writers in one directory tree would list, compact and delete each other's files.
                        boolean same = p.type() == ReplicaType.FILE ? p.path().equals(q.path())
                                : p.prefix().equals(q.prefix());
                        problems.add(key, (same ? "same replica location as " : "replica location overlaps ")
                                + replicaKeys.get(j) + (p.type() == ReplicaType.FILE
                                        ? " (give every replica its own directory, not inside another)"
                                        : " (give every replica its own bucket path, not inside another)"));
                        break;
                    }
                }
                replicaSpecs.add(p);
                replicaKeys.add(key);
            }
        }
    }

    /** The admin API may listen beyond this machine only with a token for its mutating endpoints. */
    static String adminAccess(boolean loopback, boolean hasToken) {
        return loopback || hasToken ? null : "not a loopback address, and no admin-token is set (set admin-token-file,"
                + " or listen on 127.0.0.1)";
    }

    static boolean isSensitiveKey(String key) {
        String k = key.toLowerCase(java.util.Locale.ROOT);
        for (String word : Set.of("secret", "password", "token", "key")) {
            if (k.contains(word)) {
                return true;
            }
        }
        return false;
    }

    private static String required(Duration d) {
        return d == null ? "required (e.g. 1s)" : null;
    }
}
