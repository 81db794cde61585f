package dev.walship.e2e.store;

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
 * A real `walship replicate` child process replicating one database to a replica URL (s3://, gs://), with its own
 * environment; stdout and stderr go to a log file of its own.
 */
final class WalshipChild implements AutoCloseable {
    private final Process process;
    final Path log;
    final Path spoolDir;

    private WalshipChild(Process process, Path log, Path spoolDir) {
        this.process = process;
        this.log = log;
        this.spoolDir = spoolDir;
    }

    /**
     * Starts replicate with the e2e defaults (sync 100ms, checkpoint every 200 frames) and the given spool directory
     * (null: walship's default, next to the database).
     */
    static WalshipChild start(Path db, String replicaUrl, Path spoolDir, Map<String, String> env, Path log,
                              String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("replicate", "--db", db.toString(), "--replica", replicaUrl,
                "--sync-interval", StoreE2E.SYNC_INTERVAL, "--checkpoint-pages", "200"));
        if (spoolDir != null) args.addAll(List.of("--spool-dir", spoolDir.toString()));
        args.addAll(Arrays.asList(extra));
        Files.writeString(log, "=== walship " + String.join(" ", args) + "\n", StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        ProcessBuilder pb = new ProcessBuilder(StoreE2E.walshipCommand(args.toArray(String[]::new)))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        StoreE2E.environment(pb, env);
        Path spool = spoolDir != null ? spoolDir : db.resolveSibling("." + db.getFileName() + "-walship");
        return new WalshipChild(pb.start(), log, spool);
    }

    /** Waits until walship logs that it follows the database (first snapshot or resume done). */
    WalshipChild awaitReplicating(long timeoutMs) throws IOException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (count("replicating db=") > 0) return this;
            if (!process.isAlive()) {
                throw new IOException("walship exited " + process.exitValue() + ":\n" + StoreE2E.tail(log, 30));
            }
            StoreE2E.sleep(50);
        }
        throw new IOException("walship did not start replicating within " + timeoutMs + " ms:\n" + StoreE2E.tail(log, 30));
    }

    /** Lines of this log containing {@code s}. */
    long count(String s) throws IOException {
        return lines().stream().filter(l -> l.contains(s)).count();
    }

    List<String> lines() throws IOException {
        return Files.readAllLines(log);
    }

    String output() throws IOException {
        return Files.readString(log);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM; returns the exit code. */
    int term() throws InterruptedException, IOException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("walship did not exit within 60 s of SIGTERM:\n" + StoreE2E.tail(log, 30));
        }
        return process.exitValue();
    }

    /** Waits for the process to end by itself; returns its exit code. */
    int waitFor(long timeoutMs) throws InterruptedException, IOException {
        if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IOException("walship still running after " + timeoutMs + " ms:\n" + StoreE2E.tail(log, 30));
        }
        return process.exitValue();
    }

    /** Names of the files waiting in the spool (pending/), as replica object names (L0/..., snapshots/...). */
    List<String> spooled() throws IOException {
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
