package dev.walship.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.walship.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongPredicate;

/**
 * Restores from a replica with the real CLI and checks the results against the writer's record. The CLI runs in this
 * JVM for a file replica, or as a child process with its own environment when credentials must reach walship through
 * the environment (object stores).
 */
public final class RestoreCheck {
    /** How much later than the commit walship may see it: the sync interval plus slack for a loaded machine. */
    public static final long SEEN_SLACK_MS = E2E.SYNC_INTERVAL_MS + 1_000;

    /** The replica as restore's --replica (a path or a URL). */
    private final String replicaArg;
    /** The replica URL, for `snapshots` and messages. */
    private final String url;
    /** The environment of walship child processes; null: the CLI runs in this JVM. */
    private final Map<String, String> env;
    /** What a failed check keeps as evidence (see {@link E2E#preserve}), or null. */
    private final Path evidence;
    private final Path work;
    private final AtomicInteger n = new AtomicInteger();
    private Writer writerForDescribe;

    /** Restores from a file replica with the CLI in this JVM; a failed check keeps the replica's directory. */
    public RestoreCheck(Path replica, Path work) throws IOException {
        this(replica.toString(), "file://" + replica, null, replica.getParent(), work);
    }

    private RestoreCheck(String replicaArg, String url, Map<String, String> env, Path evidence, Path work)
            throws IOException {
        this.replicaArg = replicaArg;
        this.url = url;
        this.env = env;
        this.evidence = evidence;
        this.work = Files.createDirectories(work);
    }

    /** Restores from {@code url} with walship as a child process whose environment has {@code env}. */
    public static RestoreCheck childProcess(String url, Map<String, String> env, Path work) throws IOException {
        return new RestoreCheck(url, url, Map.copyOf(env), null, work);
    }

    /** One finished CLI run. */
    public record Result(int code, String out, String err) {
        public String all() {
            return out + err;
        }

        @Override
        public String toString() {
            return "exit " + code + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    /** Runs the walship CLI in this JVM. */
    public static Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code;
        try (PrintWriter o = new PrintWriter(out); PrintWriter e = new PrintWriter(err)) {
            code = Main.commandLine(o, e).execute(args);
        }
        return new Result(code, out.toString(), err.toString());
    }

    /**
     * Runs the walship CLI as a child process to completion, with {@code env} added to its environment (see
     * {@link E2E#environment}).
     */
    public static Result cli(Map<String, String> env, long timeoutSeconds, String... args)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("e2e-cli", ".out");
        Path err = Files.createTempFile("e2e-cli", ".err");
        try {
            List<String> cmd = E2E.javaCommand("-XX:TieredStopAtLevel=1"); // short-lived runs start faster
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            E2E.environment(pb, env);
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new IOException("walship " + String.join(" ", args) + " did not finish in " + timeoutSeconds
                        + " s; stderr so far:\n" + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Runs the CLI the way this check does: in this JVM, or as a child process with its environment. */
    private Result run(long timeoutSeconds, String... args) throws IOException, InterruptedException {
        return env == null ? cli(args) : cli(env, timeoutSeconds, args);
    }

    /** Restores into a fresh file (target args such as "--to", T or "--txid", N); asserts exit 0. */
    public Path restore(String... target) throws IOException, InterruptedException {
        Path dest = work.resolve("r" + n.getAndIncrement() + ".db");
        List<String> args = new ArrayList<>(List.of("restore", "--replica", replicaArg, "-o", dest.toString(), "-q"));
        args.addAll(List.of(target));
        Result r = run(180, args.toArray(String[]::new));
        assertEquals(0, r.code, () -> "restore " + String.join(" ", target) + " from " + url + " failed: " + r);
        assertTrue(Files.exists(dest), "restore succeeded but wrote no " + dest);
        return dest;
    }

    /** Restores each target in order, at most {@code parallel} at a time; returns the files in target order. */
    private List<Path> restoreAll(List<String[]> targets, int parallel) throws IOException, InterruptedException {
        List<Path> files = new ArrayList<>();
        if (parallel <= 1) {
            for (String[] t : targets) files.add(restore(t));
            return files;
        }
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            List<Future<Path>> fs = new ArrayList<>();
            for (String[] t : targets) fs.add(pool.submit(() -> restore(t)));
            for (Future<Path> f : fs) files.add(f.get());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error err) throw err;
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return files;
    }

    /** The replica's restore window, from `walship snapshots --json`. */
    public record Window(long earliestTxid, long earliestTime, long latestTxid, long latestTime, Set<Long> snapshotTxids) {
        /** {@code count} instants spread evenly over the window (both ends included). */
        public List<Long> spread(int count) {
            List<Long> res = new ArrayList<>();
            for (int i = 0; i < count; i++) res.add(earliestTime + (latestTime - earliestTime) * i / (count - 1));
            return res;
        }
    }

    /** Parses `walship snapshots --json`. */
    public Window window() throws IOException, InterruptedException {
        Result r = run(120, "snapshots", "--replica", url, "--json");
        assertEquals(0, r.code, () -> "snapshots --json: " + r);
        JsonNode j = new ObjectMapper().readTree(r.out);
        assertTrue(j.path("earliestTxid").isNumber() && j.path("latestTxid").isNumber(), () -> "no window in " + r.out);
        Set<Long> snaps = new TreeSet<>();
        for (JsonNode s : j.path("snapshots")) snaps.add(s.path("txid").asLong());
        assertTrue(!snaps.isEmpty(), "snapshots --json lists no snapshot: " + r.out);
        return new Window(j.path("earliestTxid").asLong(), Instant.parse(j.path("earliestTime").asText()).toEpochMilli(),
                j.path("latestTxid").asLong(), Instant.parse(j.path("latestTime").asText()).toEpochMilli(), snaps);
    }

    /** Where a failed check kept its evidence, for failure messages. */
    private String evidence() {
        return evidence == null ? "no evidence kept" : E2E.preserve(evidence);
    }

    /** The latest restore equals the given writer state and passes both SQLite builds' integrity checks. */
    public void assertLatest(String expectedChecksum) throws IOException, InterruptedException {
        assertLatest(expectedChecksum, writerForDescribe);
    }

    /**
     * The latest restore equals the writer's final state, passes integrity_check, and the writer's log and its
     * source database agree on that state.
     */
    public void assertLatest(Writer w) throws IOException, InterruptedException {
        String expected = w.last().checksum();
        assertLatest(expected, w);
        assertEquals(expected, E2E.check(w.db).checksum(), "writer log and source database disagree");
    }

    private void assertLatest(String expectedChecksum, Writer describer) throws IOException, InterruptedException {
        Path p = restore();
        E2E.DbCheck c = E2E.check(p);
        assertEquals("ok", c.integrity(), "integrity_check of latest restore " + p + " from " + url);
        if (!expectedChecksum.equals(c.checksum())) {
            fail("latest restore from " + url + " differs from the source's final state ("
                    + (describer == null ? "content " + c.checksum() : describer.describe(c.checksum())) + "); "
                    + evidence());
        }
        Files.deleteIfExists(p);
    }

    /** Lets failure messages say which writer state a wrong restore holds. */
    public RestoreCheck describedBy(Writer w) {
        this.writerForDescribe = w;
        return this;
    }

    /** {@link #assertAtTimes(List, List, LongPredicate, int)} one restore at a time. */
    public void assertAtTimes(List<Writer.Commit> commits, List<Long> instants, LongPredicate walshipWatching)
            throws IOException, InterruptedException {
        assertAtTimes(commits, instants, walshipWatching, 1);
    }

    /**
     * Restores at each instant T (at most {@code parallel} restores at a time) and asserts the rule: the content
     * equals the writer's state after some commit k that started before T (never a later commit), and, where
     * {@code walshipWatching} says so for T, k is no older than the newest commit that ended by T - sync interval -
     * slack.
     */
    public void assertAtTimes(List<Writer.Commit> commits, List<Long> instants, LongPredicate walshipWatching,
                              int parallel) throws IOException, InterruptedException {
        List<Path> files = restoreAll(instants.stream()
                .map(t -> new String[] {"--to", Instant.ofEpochMilli(t).toString()}).toList(), parallel);
        List<E2E.DbCheck> checks = E2E.check(files);
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < instants.size(); i++) {
            String v = violation(commits, instants.get(i), checks.get(i), walshipWatching.test(instants.get(i)));
            if (v != null) problems.add("--to " + Instant.ofEpochMilli(instants.get(i)) + ": " + v);
        }
        for (Path p : files) Files.deleteIfExists(p);
        if (!problems.isEmpty()) fail(problems.size() + " of " + instants.size() + " time restores from " + url
                + " broke the rule (" + evidence() + "):\n" + String.join("\n", problems));
    }

    static String violation(List<Writer.Commit> commits, long t, E2E.DbCheck c, boolean lowerBound) {
        if (!c.ok()) return "integrity_check says " + c.integrity();
        List<Writer.Commit> same = commits.stream().filter(k -> k.checksum().equals(c.checksum())).toList();
        if (same.isEmpty()) return "content matches no state the writer ever committed";
        int oldest = -1;
        if (lowerBound) {
            for (Writer.Commit k : commits) if (k.after() <= t - SEEN_SLACK_MS) oldest = Math.max(oldest, k.seq());
        }
        for (Writer.Commit k : same) if (k.before() <= t && k.seq() >= oldest) return null;
        Writer.Commit k = same.get(0);
        return "content is the writer's state after commit(s) " + same.stream().map(Writer.Commit::seq).toList()
                + " (first committed at " + Instant.ofEpochMilli(k.before()) + ".." + Instant.ofEpochMilli(k.after())
                + "), but it must be a commit started by T and no older than commit " + oldest;
    }

    /**
     * Restores every txid in {@code txids} (ascending) and asserts: each passes integrity checks and equals a
     * writer state; states never go backwards along txids; and a txid right after the previous one that is
     * not a snapshot txid is exactly one writer commit later (one txid per commit, in commit order).
     * Returns the writer seqs matched, in txid order (the smallest consistent choice).
     */
    public List<Integer> assertTxids(List<Writer.Commit> commits, List<Long> txids, Set<Long> snapshotTxids)
            throws IOException, InterruptedException {
        List<Path> files = restoreAll(txids.stream().map(x -> new String[] {"--txid", Long.toString(x)}).toList(), 1);
        List<E2E.DbCheck> checks = E2E.check(files);
        for (Path p : files) Files.deleteIfExists(p);
        List<String> problems = new ArrayList<>();
        List<Set<Integer>> matched = new ArrayList<>();
        for (int i = 0; i < txids.size(); i++) {
            E2E.DbCheck c = checks.get(i);
            Set<Integer> s = new TreeSet<>();
            for (Writer.Commit k : commits) if (k.checksum().equals(c.checksum())) s.add(k.seq());
            matched.add(s);
            if (!c.ok()) problems.add("txid " + txids.get(i) + ": integrity_check says " + c.integrity());
            if (s.isEmpty()) problems.add("txid " + txids.get(i) + ": content matches no state the writer committed");
        }
        List<Integer> picks = new ArrayList<>();
        int prev = -1;
        for (int i = 0; i < txids.size() && problems.isEmpty(); i++) {
            long x = txids.get(i);
            Set<Integer> s = matched.get(i);
            boolean step = i > 0 && x == txids.get(i - 1) + 1 && !snapshotTxids.contains(x);
            Integer pick = null;
            if (step) {
                Set<Integer> plusOne = new HashSet<>();
                for (int q : matched.get(i - 1)) if (q >= prev) plusOne.add(q + 1);
                for (int q : s) if (plusOne.contains(q)) { pick = q; break; }
                if (pick == null) problems.add("txid " + x + " is writer state " + s + " but txid " + (x - 1)
                        + " was " + matched.get(i - 1) + ": consecutive txids must be consecutive commits");
            } else {
                for (int q : s) if (q >= prev) { pick = q; break; }
                if (pick == null) problems.add("txid " + x + " is writer state " + s + ", older than txid "
                        + txids.get(i - 1) + "'s " + prev + ": txid order must be commit order");
            }
            if (pick != null) {
                picks.add(pick);
                prev = pick;
            }
        }
        if (!problems.isEmpty()) fail(evidence() + "\n" + String.join("\n", problems));
        return picks;
    }
}
