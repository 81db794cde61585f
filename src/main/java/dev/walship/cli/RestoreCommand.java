package dev.walship.cli;

import dev.walship.replica.Labels;
import dev.walship.replica.ReplicaClient;
import dev.walship.replica.ReplicaSync;
import dev.walship.restore.RestoreException;
import dev.walship.restore.RestorePlan;
import dev.walship.restore.RestorePlanner;
import dev.walship.restore.RestoreResult;
import dev.walship.restore.RestoreTarget;
import dev.walship.restore.Restorer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code walship restore}: rebuild a database from a replica, verified before it is handed over. */
@Command(name = "restore", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Rebuild the database from a replica, as of the latest state, a time or a txid.",
                "The file is built under a temporary name, verified (whole-database checksum and SQLite's"
                        + " integrity check), fsynced and renamed into place."})
public final class RestoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--replica", required = true, paramLabel = "URL",
            description = {"file:///backups/app, s3://..., gs://... or an absolute path.",
                    "Repeat it to name fallbacks: a replica that fails (corrupt object, unreachable, target outside"
                            + " its window) is reported and the next one is tried, in the order given."})
    List<String> replicas;

    @Option(names = {"--output", "-o"}, required = true, paramLabel = "PATH", description = "Where to write the database.")
    Path output;

    @ArgGroup(exclusive = true)
    Target target;

    static final class Target {
        @Option(names = "--to", paramLabel = "INSTANT",
                description = "RFC 3339 time, e.g. 2026-01-10T14:03:00Z: the state after the newest transaction seen by then.")
        String to;

        @Option(names = "--txid", paramLabel = "N", description = "Exactly after this transaction (decimal, or 0x hex).")
        String txid;

        @Option(names = "--label", paramLabel = "TAG",
                description = "A labelled snapshot (a deploy tag from 'walship hook pre-deploy', or pre-restore-<time>).")
        String label;
    }

    @Option(names = "--force", description = "Overwrite an existing output file (and remove its -wal/-shm).")
    boolean force;

    @Option(names = "--integrity-check", paramLabel = "full|quick|none", defaultValue = "quick",
            description = "SQLite check run before the file is handed over (default quick).")
    Restorer.IntegrityCheck integrity;

    @Option(names = "--if-db-not-exists", description = "Exit 0 without doing anything if the output already exists.")
    boolean ifDbNotExists;

    @Option(names = "--if-replica-exists", description = "Exit 0 without doing anything if the replica has nothing to restore.")
    boolean ifReplicaExists;

    @Option(names = "--encryption-key-file", paramLabel = "FILE",
            description = "Key of an encrypted replica (the file it was written with).")
    Path encryptionKeyFile;

    @Option(names = {"--quiet", "-q"}, description = "No progress on stderr.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        NativeLibraries.check();
        PrintWriter err = spec.commandLine().getErr();
        Path dest = output.toAbsolutePath();
        if (Files.exists(dest) && ifDbNotExists) {
            err.println("walship: " + dest + " exists; nothing to restore (--if-db-not-exists)");
            return 0;
        }
        if (Files.exists(dest) && !force) {
            throw new CliException(CliException.BAD_INPUT, dest + " exists; pass --force to overwrite it"
                    + " (or --if-db-not-exists to skip the restore)");
        }
        Path parent = dest.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new CliException(CliException.BAD_INPUT, "--output " + dest + ": directory " + parent
                    + " does not exist; create it first");
        }
        RestoreTarget t = parseTarget();
        byte[] key = encryptionKeyFile == null ? null
                : dev.walship.replica.crypto.EncryptingReplica.loadKey(encryptionKeyFile);
        for (String url : replicas) checkUrl(url); // a typo in the third URL must not wait for two failed restores
        List<String> failures = new ArrayList<>();
        int code = CliException.BAD_INPUT;
        for (int i = 0; i < replicas.size(); i++) {
            String url = replicas.get(i);
            try {
                Integer done = restoreFrom(url, t, key, dest, out, err, failures);
                if (done != null) return done;
            } catch (IOException e) {
                if (!fallsBack(e) || replicas.size() == 1) throw e;
                failures.add(url + ": " + Main.oneLine(e));
                if (Main.exitCode(e) != CliException.BAD_INPUT) code = CliException.FAILED;
                if (i + 1 < replicas.size()) {
                    err.println("walship: restore from " + url + " failed: " + Main.oneLine(e) + "; falling back to "
                            + replicas.get(i + 1));
                    err.flush();
                }
            }
        }
        if (failures.isEmpty()) { // only with --if-replica-exists: every replica was empty
            String which = replicas.size() == 1 ? "replica " + replicas.get(0) + " has" : "none of the "
                    + replicas.size() + " replicas has";
            err.println("walship: " + which + " nothing to restore (--if-replica-exists)");
            return 0;
        }
        throw new CliException(code, "restore failed from every replica: " + String.join("; ", failures));
    }

    private static void checkUrl(String url) {
        try {
            dev.walship.config.ReplicaUrls.parse(url, "--replica");
        } catch (dev.walship.config.ConfigException e) {
            throw new CliException(CliException.BAD_INPUT, String.join("; ", e.problems()), e);
        }
    }

    /**
     * Restores from one replica; returns the exit code, or null when {@code --if-replica-exists} finds it empty.
     * A replica that fails only for this restore (bad data, unreachable, target outside its window) throws.
     */
    private Integer restoreFrom(String url, RestoreTarget t, byte[] key, Path dest, PrintWriter out, PrintWriter err,
                                List<String> earlier) throws IOException {
        try (ReplicaClient plain = ReplicaOption.open(url)) {
            ReplicaClient client = dev.walship.replica.crypto.EncryptingReplica.forRestore(plain, key);
            var files = client.listFiles();
            if (ifReplicaExists && files.stream().noneMatch(f -> f.isSnapshot())) {
                if (replicas.size() > 1) err.println("walship: replica " + client.url() + " has nothing to restore");
                return null;
            }
            if (target != null && target.label != null) t = labelled(client);
            RestorePlan plan = RestorePlanner.plan(client.url(), files, t, System.currentTimeMillis());
            RestoreResult r = Restorer.restore(client, plan, new Restorer.Options(dest, force, integrity,
                    quiet ? null : line -> {
                        err.println(line);
                        err.flush();
                    }));
            out.println("restored " + dest + " to txid " + r.txid() + " (" + Instant.ofEpochMilli(r.time())
                    + "), " + r.dbSize() + " pages of " + r.pageSize() + " bytes, from " + r.filesRead()
                    + " files of " + client.url() + "; " + plan.explanation()
                    + (earlier.isEmpty() ? "" : "; after " + earlier.size() + " replica(s) failed: " + String.join("; ", earlier)));
            return 0;
        }
    }

    /**
     * Whether another replica might do better: not for mistakes that are the same everywhere (bad flags, an
     * existing output, a time in the future, a wrong encryption key file).
     */
    private static boolean fallsBack(IOException e) {
        if (e instanceof RestoreException r) {
            return r.kind() != RestoreException.Kind.OUTPUT_EXISTS && r.kind() != RestoreException.Kind.IN_FUTURE;
        }
        return true;
    }

    /** The txid a label names in this replica; an unknown label lists the known ones. */
    private RestoreTarget labelled(ReplicaClient client) throws IOException {
        Labels labels = ReplicaSync.readLabels(client);
        var found = labels.find(target.label);
        if (found.isEmpty()) {
            String known = labels.names().isEmpty() ? "none" : String.join(", ", labels.names());
            if (replicas.size() > 1) throw new IOException("replica " + client.url() + " has no label " + target.label
                    + " (known: " + known + ")");
            throw new CliException(CliException.BAD_INPUT, "replica " + client.url() + " has no label " + target.label
                    + " (known: " + known + "; see 'walship snapshots')");
        }
        return new RestoreTarget.AtTxid(found.get().txid());
    }

    private RestoreTarget parseTarget() {
        if (target == null) return new RestoreTarget.Latest();
        if (target.label != null) {
            String bad = Labels.checkName(target.label);
            if (bad != null) throw new CliException(CliException.BAD_INPUT, "--label: " + bad);
            return new RestoreTarget.Latest(); // resolved per replica, from its labels.json
        }
        if (target.to != null) {
            try {
                return new RestoreTarget.AtTime(OffsetDateTime.parse(target.to).toInstant());
            } catch (DateTimeParseException e) {
                throw new CliException(CliException.BAD_INPUT, "--to " + target.to
                        + ": not an RFC 3339 time (use e.g. 2026-01-10T14:03:00Z or 2026-01-10T15:03:00+01:00)");
            }
        }
        try {
            String s = target.txid.trim().toLowerCase();
            long v = s.startsWith("0x") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
            if (v < 1) throw new NumberFormatException();
            return new RestoreTarget.AtTxid(v);
        } catch (NumberFormatException e) {
            throw new CliException(CliException.BAD_INPUT, "--txid " + target.txid
                    + ": not a transaction id (a positive number, decimal or 0x hex; see 'walship snapshots')");
        }
    }
}
