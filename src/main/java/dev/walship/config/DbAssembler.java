package dev.walship.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Builds one {@link DbConfig} from its own settings, then the shared {@code defaults:}, then {@link Defaults},
 * reporting every bad value under the key path where the user wrote it.
 */
final class DbAssembler {
    private final Problems problems;
    private final Function<String, String> keyPathOf;
    private final boolean resolveRelative;
    private final Section own;
    private final Section shared;
    private final String describePrefix;
    private final Set<String> redacted;
    /** Set when any setting was bad; a problem count would miss a bad shared default reported for an earlier db. */
    private boolean failed;

    /**
     * @param keyPathOf       names a key that was not given (for problems with defaults), e.g. dbs[0].name
     * @param resolveRelative CLI flags may use relative paths (they resolve against the working directory);
     *                        sidecar.yml may not, as it is read by a process whose working directory is arbitrary
     * @param describePrefix  the key path prefix in {@link SidecarConfig#describe()}, for redaction
     */
    DbAssembler(Problems problems, Function<String, String> keyPathOf, boolean resolveRelative, Section own,
            Section shared, String describePrefix, Set<String> redacted) {
        this.problems = problems;
        this.keyPathOf = keyPathOf;
        this.resolveRelative = resolveRelative;
        this.own = own;
        this.shared = shared;
        this.describePrefix = describePrefix;
        this.redacted = redacted;
    }

    /** The db, or null if any of its settings (or the given replicas, when null) were bad. */
    DbConfig build(List<ReplicaSpec> replicas) {
        Path path = path(Keys.PATH, null);
        if (path == null && !own.values.containsKey(Keys.PATH)) {
            problems.add(keyPathOf.apply(Keys.PATH), "required (the absolute path of the SQLite database file)");
            failed = true;
        } else if (path != null) {
            check(Keys.PATH, Rules.dbPath(path));
        }
        String name = value(Keys.NAME, path == null ? null : Defaults.name(path), s -> s, Rules::name);
        Path spoolDir = path(Keys.SPOOL_DIR, path == null ? null : Defaults.spoolDir(path));
        Duration sync = value(Keys.SYNC_INTERVAL, Defaults.SYNC_INTERVAL, Durations::parse, Rules::syncInterval);
        Boolean onCommit = value(Keys.SYNC_ON_COMMIT, Defaults.SYNC_ON_COMMIT, DbAssembler::bool, b -> null);
        Duration snapshot = value(Keys.SNAPSHOT_INTERVAL, Defaults.SNAPSHOT_INTERVAL, Durations::parse,
                d -> Rules.positive(d, "24h"));
        Duration retention = value(Keys.RETENTION, Defaults.RETENTION, Durations::parse, d -> Rules.positive(d, "72h"));
        Duration l0 = value(Keys.L0_RETENTION, Defaults.L0_RETENTION, Durations::parse, Rules::notNegative);
        Duration l1 = value(Keys.L1_INTERVAL, Defaults.L1_INTERVAL, Durations::parse, d -> Rules.positive(d, "1m"));
        Duration l2 = value(Keys.L2_INTERVAL, Defaults.L2_INTERVAL, Durations::parse, d -> Rules.positive(d, "1h"));
        if (l1 != null && l2 != null && Rules.l2Interval(l2, l1) != null) {
            // Blame the key the user wrote: a too-long l1-interval under the default l2-interval is an l1 problem.
            if (setting(Keys.L2_INTERVAL) == null && setting(Keys.L1_INTERVAL) != null) {
                check(Keys.L1_INTERVAL, "must not be longer than l2-interval (" + Durations.format(l2)
                        + "; L2 windows are built from whole L1 windows, so raise l2-interval too)");
            } else {
                check(Keys.L2_INTERVAL, Rules.l2Interval(l2, l1));
            }
        }
        Long pages = value(Keys.CHECKPOINT_PAGES, Defaults.CHECKPOINT_PAGES, DbAssembler::count, Rules::atLeastOne);
        Long maxWal = value(Keys.MAX_WAL_SIZE, Defaults.MAX_WAL_BYTES, Sizes::parse, Rules::positiveSize);
        Duration busy = value(Keys.BUSY_TIMEOUT, Defaults.BUSY_TIMEOUT, Durations::parse, Rules::notNegative);
        Long spoolMax = value(Keys.SPOOL_MAX_SIZE, Defaults.SPOOL_MAX_BYTES, Sizes::parse, Rules::positiveSize);
        Secret key = value(Keys.ENCRYPTION_KEY, null, Secret::aesKey, k -> null);
        Boolean waitLease = value(Keys.WAIT_FOR_LEASE, false, DbAssembler::bool, b -> null);
        Duration maxLag = value(Keys.MAX_LAG, Defaults.MAX_LAG, Durations::parse, d -> Rules.positive(d, "1m"));
        Duration validation = value(Keys.VALIDATION_INTERVAL, Defaults.VALIDATION_INTERVAL, Durations::parse,
                Rules::validationInterval);
        if (failed || path == null || replicas == null) {
            return null;
        }
        try {
            return new DbConfig(path, name, replicas, spoolDir, sync, onCommit, snapshot, retention, l0, l1, l2,
                    pages, maxWal, busy, spoolMax, key, waitLease, maxLag, validation);
        } catch (IllegalArgumentException e) {
            // Unreachable while the checks above mirror the constructor's; kept so a drift is still reported.
            for (String line : e.getMessage().split("\n")) {
                int colon = line.indexOf(": ");
                problems.add(keyPathOf.apply(line.substring(0, Math.max(colon, 0))), line.substring(colon + 2));
            }
            return null;
        }
    }

    private Setting setting(String key) {
        Setting s = own.values.get(key);
        return s != null ? s : shared.values.get(key);
    }

    /** Parses the setting (or takes the default) and applies the rule, reporting under the right key path. */
    private <T> T value(String key, T fallback, Function<String, T> parser, Function<T, String> rule) {
        Setting s = setting(key);
        if (s == null) {
            if (fallback != null) {
                String bad = rule.apply(fallback);
                if (bad != null) {
                    // Only defaults derived from the db path (its file name) can be invalid.
                    problems.add(keyPathOf.apply(key), "the default derived from path is not valid: " + bad
                            + "; set " + key + ": explicitly");
                    failed = true;
                }
            }
            return fallback;
        }
        T v;
        try {
            v = parser.apply(s.text());
        } catch (IllegalArgumentException e) {
            problems.add(s.keyPath(), s.redact(e.getMessage()));
            failed = true;
            return null;
        }
        String bad = rule.apply(v);
        if (bad != null) {
            problems.add(s.keyPath(), s.redact(bad));
            failed = true;
            return null;
        }
        if (s.secret()) {
            redacted.add(describePrefix + key);
        }
        return v;
    }

    private Path path(String key, Path fallback) {
        return value(key, fallback, this::parsePath, p -> key.equals(Keys.PATH) ? null : Rules.absolutePath(p));
    }

    private Path parsePath(String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("empty path (give an absolute path such as /data/app.db)");
        }
        if (text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("contains a NUL character (remove it; paths cannot contain NUL)");
        }
        Path p;
        try {
            p = Path.of(text.strip());
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("invalid path \"" + text.strip() + "\" (give an absolute path)");
        }
        if (resolveRelative) {
            return p.toAbsolutePath().normalize();
        }
        if (!p.isAbsolute()) {
            throw new IllegalArgumentException("relative path \"" + text.strip() + "\" (use an absolute path starting"
                    + " with /; the sidecar's working directory is not a stable base)");
        }
        return p.normalize();
    }

    static Boolean bool(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("true") || t.equals("false")) {
            return Boolean.valueOf(t);
        }
        throw new IllegalArgumentException("not a boolean \"" + text.strip() + "\" (use true or false)");
    }

    static Long count(String text) {
        String t = text.strip();
        if (!t.matches("\\d+")) {
            throw new IllegalArgumentException("not a whole number \"" + t + "\" (e.g. 1000)");
        }
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("number \"" + t + "\" is too large (e.g. 1000)");
        }
    }

    private void check(String key, String bad) {
        Setting s = setting(key);
        if (bad != null) {
            failed = true;
            problems.add(s != null ? s.keyPath() : keyPathOf.apply(key), s != null ? s.redact(bad) : bad);
        }
    }
}
