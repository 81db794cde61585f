package dev.walship.config;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The whole effective configuration of one walship sidecar.
 *
 * @param dbs          the databases to replicate (at least one; names, paths, spool dirs and replicas unique)
 * @param logLevel     trace, debug, info, warn or error
 * @param logFormat    text or json
 * @param redactedKeys key paths (as {@link #describe()} prints them, e.g. {@code dbs[0].name}) whose values came
 *                     from a secret file and must never be printed
 * @param admin        the admin HTTP API's address and token ({@link AdminConfig#defaults()} when null)
 * @param keepLabels   how many labelled snapshots each replica keeps pinned, newest first (at least 1)
 */
public record SidecarConfig(List<DbConfig> dbs, String logLevel, String logFormat, Set<String> redactedKeys,
                            AdminConfig admin, int keepLabels) {

    public SidecarConfig {
        Problems p = new Problems();
        if (dbs == null || dbs.isEmpty() || dbs.stream().anyMatch(java.util.Objects::isNull)) {
            p.add(Keys.DBS, "at least one database is required (add an entry with path: and replicas:)");
        }
        logLevel = logLevel == null ? null : logLevel.strip().toLowerCase(Locale.ROOT);
        logFormat = logFormat == null ? null : logFormat.strip().toLowerCase(Locale.ROOT);
        p.check(Keys.LOG_LEVEL, Rules.logLevel(logLevel));
        p.check(Keys.LOG_FORMAT, Rules.logFormat(logFormat));
        p.check(Keys.KEEP_LABELS, keepLabels < 1 || keepLabels > 1000 ? "must be 1-1000 (default " + Defaults.KEEP_LABELS + ")" : null);
        if (p.isEmpty()) {
            Rules.acrossDbs(dbs, i -> "dbs[" + i + "].", p);
        }
        p.throwUncheckedIfAny();
        dbs = List.copyOf(dbs);
        redactedKeys = redactedKeys == null ? Set.of() : Set.copyOf(redactedKeys);
        admin = admin == null ? AdminConfig.defaults() : admin;
    }

    /** A configuration keeping the default number of labels. */
    public SidecarConfig(List<DbConfig> dbs, String logLevel, String logFormat, Set<String> redactedKeys,
                         AdminConfig admin) {
        this(dbs, logLevel, logFormat, redactedKeys, admin, Defaults.KEEP_LABELS);
    }

    /** A configuration with the default admin API. */
    public SidecarConfig(List<DbConfig> dbs, String logLevel, String logFormat, Set<String> redactedKeys) {
        this(dbs, logLevel, logFormat, redactedKeys, null);
    }

    /** A configuration with nothing redacted. */
    public SidecarConfig(List<DbConfig> dbs, String logLevel, String logFormat) {
        this(dbs, logLevel, logFormat, Set.of());
    }

    /** The given databases with default logging. */
    public static SidecarConfig of(List<DbConfig> dbs) {
        return new SidecarConfig(dbs, Defaults.LOG_LEVEL, Defaults.LOG_FORMAT);
    }

    /** The database with this name, if any. */
    public java.util.Optional<DbConfig> db(String name) {
        return dbs.stream().filter(d -> d.name().equals(name)).findFirst();
    }

    /**
     * The effective configuration as sidecar.yml YAML (every key, defaults filled in), for {@code walship config}
     * and debugging. Values that came from secret files or sit under secret-sounding keys print as
     * {@code <redacted>}; everything else parses back to an equal configuration.
     */
    public String describe() {
        return Describer.describe(this);
    }
}
