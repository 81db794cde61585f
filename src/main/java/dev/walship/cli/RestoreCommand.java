package dev.walship.cli;

import dev.walship.replica.ReplicaClient;
import dev.walship.restore.RestorePlan;
import dev.walship.restore.RestorePlanner;
import dev.walship.restore.RestoreResult;
import dev.walship.restore.RestoreTarget;
import dev.walship.restore.Restorer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
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

    @Option(names = "--replica", required = true, paramLabel = "URL", description = "file:///backups/app or an absolute path.")
    String replica;

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
        try (ReplicaClient plain = ReplicaOption.open(replica)) {
            ReplicaClient client = dev.walship.replica.crypto.EncryptingReplica.forRestore(plain, key);
            var files = client.listFiles();
            if (ifReplicaExists && files.stream().noneMatch(f -> f.isSnapshot())) {
                err.println("walship: replica " + client.url() + " has nothing to restore (--if-replica-exists)");
                return 0;
            }
            RestorePlan plan = RestorePlanner.plan(client.url(), files, t, System.currentTimeMillis());
            RestoreResult r = Restorer.restore(client, plan, new Restorer.Options(dest, force, integrity,
                    quiet ? null : line -> {
                        err.println(line);
                        err.flush();
                    }));
            out.println("restored " + dest + " to txid " + r.txid() + " (" + Instant.ofEpochMilli(r.time())
                    + "), " + r.dbSize() + " pages of " + r.pageSize() + " bytes, from " + r.filesRead()
                    + " files; " + plan.explanation());
            return 0;
        }
    }

    private RestoreTarget parseTarget() {
        if (target == null) return new RestoreTarget.Latest();
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
