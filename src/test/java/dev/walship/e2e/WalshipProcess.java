package dev.walship.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real `walship replicate` child process (this JVM's java and classpath, the environment of
 * {@link E2E#environment}); its output goes to a log file.
 */
public final class WalshipProcess implements AutoCloseable {
    private final Process process;
    public final Path log;
    /** The spool directory walship uses: the --spool-dir given, else its default next to the database. */
    public final Path spoolDir;

    private WalshipProcess(Process process, Path log, Path spoolDir) {
        this.process = process;
        this.log = log;
        this.spoolDir = spoolDir;
    }

    /** Starts replicate to a file replica with the e2e defaults (sync 100ms, walship checkpoints every 200 frames). */
    public static WalshipProcess start(Path db, Path replica, String... extra) throws IOException {
        return startWithJvm(List.of(), db, replica, extra);
    }

    static WalshipProcess startWithJvm(List<String> jvmArgs, Path db, Path replica, String... extra) throws IOException {
        return launch(jvmArgs, db, "file://" + replica, Map.of(), db.resolveSibling("walship-" + db.getFileName() + ".log"),
                extra);
    }

    /**
     * Starts replicate to any replica URL (s3://, gs://, ...) with the e2e defaults, with {@code env} added to its
     * environment (credentials reach walship only through the environment, as in a deployment), appending its
     * output to {@code log}.
     */
    public static WalshipProcess start(Path db, String replicaUrl, Map<String, String> env, Path log, String... extra)
            throws IOException {
        return launch(List.of(), db, replicaUrl, env, log, extra);
    }

    private static WalshipProcess launch(List<String> jvmArgs, Path db, String replicaUrl, Map<String, String> env,
                                         Path log, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("replicate", "--db", db.toString(), "--replica", replicaUrl,
                "--sync-interval", E2E.SYNC_INTERVAL, "--checkpoint-pages", "200"));
        // several sidecars run at once in these tests: only those that ask for the admin API get it
        if (!Arrays.asList(extra).contains("--admin-listen")) args.addAll(List.of("--admin-listen", "off"));
        args.addAll(Arrays.asList(extra));
        List<String> cmd = E2E.javaCommand(jvmArgs.toArray(String[]::new));
        cmd.addAll(args);
        Files.writeString(log, "=== walship " + String.join(" ", args) + "\n", StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        E2E.environment(pb, env);
        int spool = args.indexOf("--spool-dir");
        Path spoolDir = spool >= 0 ? Path.of(args.get(spool + 1)) : db.resolveSibling("." + db.getFileName() + "-walship");
        return new WalshipProcess(pb.start(), log, spoolDir);
    }

    /** Waits until walship logs that it follows the database (first snapshot or resume done). */
    public WalshipProcess awaitReplicating(long timeoutMs) throws IOException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (count("replicating db=") > 0) return this;
            if (!process.isAlive()) throw new IOException("walship exited " + process.exitValue() + ":\n" + E2E.tail(log, 30));
            E2E.sleep(50);
        }
        throw new IOException("walship did not start replicating within " + timeoutMs + " ms:\n" + E2E.tail(log, 30));
    }

    /** Log lines containing {@code s} since this process started (the log file is shared by restarts). */
    public long count(String s) throws IOException {
        List<String> lines = Files.readAllLines(log);
        int start = 0;
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).startsWith("=== ")) start = i;
        return lines.subList(start, lines.size()).stream().filter(l -> l.contains(s)).count();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM; returns the exit code. */
    public int term() throws InterruptedException, IOException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("walship did not exit within 60 s of SIGTERM:\n" + E2E.tail(log, 30));
        }
        return process.exitValue();
    }

    /** Waits for the process to end by itself; returns its exit code. */
    public int waitFor(long timeoutMs) throws InterruptedException, IOException {
        if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IOException("walship still running after " + timeoutMs + " ms:\n" + E2E.tail(log, 30));
        }
        return process.exitValue();
    }

    public String output() throws IOException {
        return Files.readString(log);
    }

    /** Names of the files waiting in the spool (pending/), as replica object names (L0/..., snapshots/...). */
    public List<String> spooled() throws IOException {
        Path pending = spoolDir.resolve("pending");
        if (!Files.isDirectory(pending)) return List.of();
        List<String> res = new ArrayList<>();
        try (var s = Files.list(pending)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (!n.startsWith(".")) res.add(n.replaceFirst("_", "/"));
            }
        }
        return res;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
