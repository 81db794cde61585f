package dev.walship.cli;

import dev.walship.config.AdminConfig;
import dev.walship.config.ConfigLoader;
import dev.walship.config.Defaults;
import dev.walship.config.SidecarConfig;
import dev.walship.db.Sidecar;
import dev.walship.hooks.AdminServer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code walship replicate}: follow databases and stream them to their replicas until SIGTERM/SIGINT. */
@Command(name = "replicate", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Stream a SQLite database's WAL to one or more replicas until stopped.",
                "SIGTERM or SIGINT: one final sync, then exit 0."})
public final class ReplicateCommand implements Callable<Integer> {
    @Option(names = "--db", paramLabel = "PATH", description = "The SQLite database file (it may not exist yet).")
    Path db;

    @Option(names = "--replica", paramLabel = "URL",
            description = "Where to replicate: file:///backups/app or an absolute path. Repeatable.")
    List<String> replicas = new ArrayList<>();

    @Option(names = "--config", paramLabel = "FILE", description = "sidecar.yml with several databases (instead of --db/--replica).")
    Path config;

    @Option(names = "--sync-interval", paramLabel = "DURATION", description = "How often to ship new commits (default 1s).")
    String syncInterval;

    @Option(names = "--sync-on-commit", description = "Ship as soon as a commit lands (watches the WAL file).")
    boolean syncOnCommit;

    @Option(names = "--snapshot-interval", paramLabel = "DURATION", description = "Full snapshot every (default 24h).")
    String snapshotInterval;

    @Option(names = "--retention", paramLabel = "DURATION", description = "Keep restore points for (default 72h).")
    String retention;

    @Option(names = "--spool-dir", paramLabel = "DIR", description = "Local staging directory (default next to the db).")
    String spoolDir;

    @Option(names = "--checkpoint-pages", paramLabel = "N", description = "Checkpoint once the WAL holds N frames (default 1000).")
    String checkpointPages;

    @Option(names = "--wait-for-lease", description = "If another sidecar holds a replica, wait for it instead of exiting.")
    boolean waitForLease;

    @Option(names = "--encryption-key-file", paramLabel = "FILE",
            description = "Encrypt the replicas client-side (AES-256-GCM) with the 32-byte key in FILE (raw, hex or base64).")
    Path encryptionKeyFile;

    @Option(names = "--max-lag", paramLabel = "DURATION",
            description = "The admin API's /healthz fails when a commit waits longer than this to reach every replica (default 1m).")
    String maxLag;

    @Option(names = "--admin-listen", paramLabel = "HOST:PORT",
            description = "Admin HTTP API (/healthz, /metrics, /v1/status) address, or off (default 127.0.0.1:9090).")
    String adminListen;

    @Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "Bearer token for the admin API, read from FILE; required to listen beyond loopback.")
    String adminTokenFile;

    @Option(names = "--validation-interval", paramLabel = "DURATION",
            description = "Every DURATION, restore each replica into a temp file and compare it with the live database"
                    + " (default 0: off).")
    String validationInterval;

    @Option(names = "--keep-labels", paramLabel = "N",
            description = "Labelled (deploy) snapshots kept pinned per replica, newest first (default 10).")
    String keepLabels;

    @Option(names = "--restore-if-missing",
            description = "Before replicating, restore each database whose file does not exist from the replica holding"
                    + " the newest txid (a new VM). Works with --config too.")
    boolean restoreIfMissing;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "error, warn, info (default) or debug.")
    String logLevel;

    @Option(names = "--log-format", paramLabel = "FORMAT", description = "text (default) or json.")
    String logFormat;

    @Override
    public Integer call() throws Exception {
        NativeLibraries.check();
        SidecarConfig cfg = load();
        Logging.configure(cfg.logLevel(), cfg.logFormat());
        java.util.Map<String, byte[]> keys = new java.util.HashMap<>();
        if (encryptionKeyFile != null) {
            byte[] key = dev.walship.replica.crypto.EncryptingReplica.loadKey(encryptionKeyFile);
            for (var d : cfg.dbs()) keys.put(d.name(), key);
        }
        if (restoreIfMissing) {
            for (var d : cfg.dbs()) {
                byte[] key = d.encryptionKey() != null ? d.encryptionKey().bytes() : keys.get(d.name());
                try {
                    dev.walship.restore.RestoreIfMissing.run(d, key);
                } catch (java.io.IOException e) {
                    throw new CliException(CliException.FAILED, "--restore-if-missing: " + e.getMessage(), e);
                }
            }
        }
        Sidecar sidecar = new Sidecar(cfg, Clock.systemUTC(), keys);
        AdminServer admin = bindAdmin(cfg.admin(), sidecar);
        try {
            Signals.onTerminate(sidecar::stop);
            sidecar.start();
            if (admin != null) admin.start();
            sidecar.await();
        } finally {
            if (admin != null) admin.close();
        }
        return 0;
    }

    /**
     * Binds the admin API before replication starts, so a taken address fails fast. On the default address a taken
     * port only warns (several sidecars on one host): backups matter more than their monitoring.
     */
    private static AdminServer bindAdmin(AdminConfig cfg, Sidecar sidecar) throws java.io.IOException {
        if (!cfg.enabled()) return null;
        try {
            return AdminServer.bind(cfg, sidecar, Clock.systemUTC());
        } catch (java.io.IOException e) {
            if (!cfg.listen().equals(Defaults.ADMIN_LISTEN) || !(e.getCause() instanceof java.net.BindException)) throw e;
            LoggerFactory.getLogger(ReplicateCommand.class).warn("{}; replicating without the admin API", e.getMessage());
            return null;
        }
    }

    private SidecarConfig load() throws Exception {
        Map<String, String> overrides = new LinkedHashMap<>();
        put(overrides, "sync-interval", syncInterval);
        if (syncOnCommit) overrides.put("sync-on-commit", "true");
        if (waitForLease) overrides.put("wait-for-lease", "true");
        put(overrides, "snapshot-interval", snapshotInterval);
        put(overrides, "retention", retention);
        put(overrides, "spool-dir", spoolDir);
        put(overrides, "checkpoint-pages", checkpointPages);
        put(overrides, "max-lag", maxLag);
        put(overrides, "admin-listen", adminListen);
        put(overrides, "admin-token-file", adminTokenFile);
        put(overrides, "keep-labels", keepLabels);
        put(overrides, "validation-interval", validationInterval);
        put(overrides, "log-level", logLevel);
        put(overrides, "log-format", logFormat);
        if (config != null) {
            if (db != null || !replicas.isEmpty() || !overrides.isEmpty()) {
                throw new CliException(CliException.BAD_INPUT, "--config cannot be combined with --db, --replica"
                        + " or other settings; put them in " + config);
            }
            return ConfigLoader.load(config, System.getenv());
        }
        if (db == null) {
            throw new CliException(CliException.BAD_INPUT,
                    "--db is required (or --config sidecar.yml); e.g. walship replicate --db /data/app.db --replica file:///backups/app");
        }
        return ConfigLoader.fromFlags(db.toAbsolutePath(), replicas, overrides);
    }

    private static void put(Map<String, String> m, String key, String value) {
        if (value != null) m.put(key, value);
    }
}
