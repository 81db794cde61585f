package dev.walship.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real `walship replicate` child process (this JVM's java and classpath); its output goes to a log file. */
final class WalshipProcess implements AutoCloseable {
    private final Process process;
    final Path log;

    private WalshipProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts replicate with the e2e defaults (sync 100ms, walship checkpoints every 200 frames). */
    static WalshipProcess start(Path db, Path replica, String... extra) throws IOException {
        return startWithJvm(List.of(), db, replica, extra);
    }

    static WalshipProcess startWithJvm(List<String> jvmArgs, Path db, Path replica, String... extra) throws IOException {
        List<String> cmd = E2E.javaCommand(jvmArgs.toArray(String[]::new));
        cmd.addAll(List.of("replicate", "--db", db.toString(), "--replica", "file://" + replica,
                "--sync-interval", E2E.SYNC_INTERVAL, "--checkpoint-pages", "200"));
        cmd.addAll(Arrays.asList(extra));
        Path log = db.resolveSibling("walship-" + db.getFileName() + ".log");
        Files.writeString(log, "=== walship replicate " + String.join(" ", extra) + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new WalshipProcess(p, log);
    }

    /** Waits until walship logs that it follows the database (first snapshot or resume done). */
    WalshipProcess awaitReplicating(long timeoutMs) throws IOException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (countReplicating() > 0) return this;
            if (!process.isAlive()) throw new IOException("walship exited " + process.exitValue() + ":\n" + E2E.tail(log, 30));
            E2E.sleep(50);
        }
        throw new IOException("walship did not start replicating within " + timeoutMs + " ms:\n" + E2E.tail(log, 30));
    }

    /** "replicating" lines since this process started (the log file is shared by restarts). */
    private long countReplicating() throws IOException {
        List<String> lines = Files.readAllLines(log);
        int start = 0;
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).startsWith("=== ")) start = i;
        return lines.subList(start, lines.size()).stream().filter(l -> l.contains("replicating db=")).count();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM; returns the exit code. */
    int term() throws InterruptedException, IOException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("walship did not exit within 60 s of SIGTERM:\n" + E2E.tail(log, 30));
        }
        return process.exitValue();
    }

    int waitFor(long timeoutMs) throws InterruptedException, IOException {
        if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IOException("walship still running after " + timeoutMs + " ms:\n" + E2E.tail(log, 30));
        }
        return process.exitValue();
    }

    String output() throws IOException {
        return Files.readString(log);
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
