package dev.walship.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.walship.config.Durations;
import dev.walship.db.LiveDatabase;
import dev.walship.replica.ReplicaClient;
import dev.walship.replica.crypto.EncryptingReplica;
import dev.walship.restore.Restorer;
import dev.walship.restore.Verifier;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code walship verify}: read every file of a replica, restore its latest state, compare with the live database. */
@Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Check a replica: every file passes its checksums, the latest state restores (into a private"
                + " temp file, deleted afterwards) and passes SQLite's integrity check, and with --db the live database"
                + " equals one of the replica's states.",
                "Exit codes: 0 verified, 1 mismatch or corrupt file (named in the message), 2 bad input,"
                        + " 3 the live database is ahead of the replica so nothing was compared."})
public final class VerifyCommand implements Callable<Integer> {
    /** The live database's state is not in the replica (yet): nothing compared, which is not a pass. */
    static final int NOT_COMPARED = 3;

    @Spec
    CommandSpec spec;

    @Option(names = "--replica", required = true, paramLabel = "URL", description = "file:///backups/app, s3://..., gs://...")
    String replica;

    @Option(names = "--db", paramLabel = "PATH", description = "The live database to compare with (read in a read transaction).")
    Path db;

    @Option(names = "--spool-dir", paramLabel = "DIR",
            description = "The sidecar's spool for --db (default next to the db), to name the txid of a mismatch.")
    Path spoolDir;

    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "10s",
            description = "How long to wait for the replica to catch up with the live database (default 10s).")
    String waitFor;

    @Option(names = "--encryption-key-file", paramLabel = "FILE", description = "Key of an encrypted replica.")
    Path encryptionKeyFile;

    @Option(names = "--integrity-check", paramLabel = "full|quick", defaultValue = "full",
            description = "SQLite check of the restored latest state (default full).")
    Restorer.IntegrityCheck integrity;

    @Option(names = "--temp-dir", paramLabel = "DIR",
            description = "Where the temporary restore goes (default the system temp directory); needs room for the database.")
    Path tempDir;

    @Option(names = "--json", description = "One JSON line instead of text.")
    boolean json;

    @Option(names = {"--quiet", "-q"}, description = "No progress on stderr.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        NativeLibraries.check();
        PrintWriter err = spec.commandLine().getErr();
        Duration wait = parseWait();
        Path temp = tempDir != null ? tempDir : Path.of(System.getProperty("java.io.tmpdir"));
        if (!Files.isDirectory(temp)) {
            throw new CliException(CliException.BAD_INPUT, "--temp-dir " + temp + " is not a directory; create it first");
        }
        Verifier.Live live = null;
        if (db != null) {
            if (!Files.isRegularFile(db)) {
                throw new CliException(CliException.BAD_INPUT, "--db " + db + " does not exist; pass the app's live"
                        + " database file, or leave --db out to check the replica alone");
            }
            Path spool = spoolDir != null ? spoolDir : LiveDatabase.defaultSpoolDir(db);
            live = Verifier.live(db.toAbsolutePath(), Files.isDirectory(spool) ? spool : null);
        }
        byte[] key = encryptionKeyFile == null ? null : EncryptingReplica.loadKey(encryptionKeyFile);
        Verifier.Options options = new Verifier.Options(temp, integrity, wait, quiet || json ? null : line -> {
            err.println("walship: " + line);
            err.flush();
        });
        Verifier.Report r;
        try (ReplicaClient plain = ReplicaOption.open(replica)) {
            r = Verifier.verify(EncryptingReplica.forRestore(plain, key), live, options);
        }
        if (json) {
            out.println(toJson(r));
        } else if (r.outcome() == Verifier.Outcome.OK) {
            out.println(r.message());
        } else {
            err.println("walship: verify " + r.outcome().name().toLowerCase().replace('_', ' ') + ": " + r.message());
        }
        out.flush();
        return switch (r.outcome()) {
            case OK -> 0;
            case NOT_COMPARED -> NOT_COMPARED;
            case MISMATCH, CORRUPT -> CliException.FAILED;
        };
    }

    private Duration parseWait() {
        try {
            return Durations.parse(waitFor);
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, "--wait " + waitFor + ": " + e.getMessage());
        }
    }

    private static String toJson(Verifier.Report r) throws Exception {
        ObjectMapper m = new ObjectMapper();
        ObjectNode n = m.createObjectNode();
        n.put("outcome", r.outcome().name().toLowerCase());
        n.put("replica", r.replica());
        n.put("files", r.files());
        n.put("bytes", r.bytes());
        if (r.latestTxid() > 0) {
            n.put("latestTxid", r.latestTxid());
            n.put("latestTime", Instant.ofEpochMilli(r.latestTime()).toString());
        } else {
            n.putNull("latestTxid");
            n.putNull("latestTime");
        }
        if (r.comparedTxid() > 0) n.put("comparedTxid", r.comparedTxid()); else n.putNull("comparedTxid");
        n.put("message", r.message());
        return m.writeValueAsString(n);
    }
}
