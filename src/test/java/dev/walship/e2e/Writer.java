package dev.walship.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The python3 writer (src/test/resources/e2e/writer.py): another process with another SQLite build.
 * Its log records every commit: seq, wall clock just before and just after COMMIT, content checksum.
 */
public final class Writer implements AutoCloseable {
    public final Path db;
    public final Path log;
    private final Path errFile;
    private Process process;

    public Writer(Path db) {
        this.db = db;
        this.log = db.resolveSibling(db.getFileName() + ".commits");
        this.errFile = db.resolveSibling(db.getFileName() + ".writer.err");
    }

    /** Starts writer.py write with the given extra options (e.g. "--duration", "10"). */
    public Writer start(String... options) throws IOException {
        if (process != null && process.isAlive()) throw new IllegalStateException("writer already running");
        List<String> cmd = new ArrayList<>(List.of("python3", E2E.writerScript().toString(), "write",
                "--db", db.toString(), "--log", log.toString(), "--seed", "" + (commits().size() + 7)));
        cmd.addAll(Arrays.asList(options));
        process = new ProcessBuilder(cmd).redirectError(errFile.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return this;
    }

    /** Runs writer.py to completion. */
    public Writer run(String... options) throws IOException, InterruptedException {
        start(options);
        return await(600_000);
    }

    public Writer await(long timeoutMs) throws IOException, InterruptedException {
        if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IOException("writer.py did not finish in " + timeoutMs + " ms");
        }
        if (process.exitValue() != 0) {
            throw new IOException("writer.py exited " + process.exitValue() + ": " + Files.readString(errFile));
        }
        return this;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Every commit recorded so far, in commit order. */
    public List<Commit> commits() throws IOException {
        List<Commit> res = new ArrayList<>();
        if (!Files.exists(log)) return res;
        for (String line : Files.readAllLines(log)) {
            String[] p = line.split(" ");
            if (p.length != 4) continue; // a line being written right now
            res.add(new Commit(Integer.parseInt(p[0]), Long.parseLong(p[1]), Long.parseLong(p[2]), p[3]));
        }
        return res;
    }

    public Commit last() throws IOException {
        List<Commit> c = commits();
        return c.get(c.size() - 1);
    }

    /** Which writer state a checksum is, for failure messages. */
    public String describe(String checksum) {
        try {
            List<Integer> seqs = commits().stream().filter(k -> k.checksum().equals(checksum)).map(Commit::seq).toList();
            return seqs.isEmpty() ? "content matches no writer state"
                    : "content is the writer's state after commit(s) " + seqs + " of " + last().seq();
        } catch (IOException e) {
            return "content " + checksum;
        }
    }

    /** One writer commit: {@code before}/{@code after} bracket the COMMIT statement (epoch ms). */
    public record Commit(int seq, long before, long after, String checksum) {}

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
