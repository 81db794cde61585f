package dev.walship.e2e.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Plumbing for the object-store end-to-end tests. Unlike the file-replica e2e helpers (package-private in
 * dev.walship.e2e, hard-wired to file:// replicas and in-process restores), everything here runs walship as a
 * child process with its own environment, because S3 credentials reach walship only through the environment
 * (the SDK default chain), exactly as in a deployment.
 */
final class StoreE2E {
    static final String SYNC_INTERVAL = "100ms";
    static final long SYNC_INTERVAL_MS = 100;
    /** How much later than the commit walship may see it: the sync interval plus slack for a loaded machine. */
    static final long SEEN_SLACK_MS = SYNC_INTERVAL_MS + 1_000;

    private StoreE2E() {}

    static Path writerScript() {
        try {
            return Path.of(StoreE2E.class.getResource("/e2e/writer.py").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** `java -cp <test classpath> dev.walship.cli.Main args...`: walship as under `java -jar`. */
    static List<String> walshipCommand(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:TieredStopAtLevel=1"); // short-lived CLI runs start faster; replicate is not timed
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.walship.cli.Main");
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    /**
     * The child's environment: this JVM's, minus anything that could point the AWS or Google clients at real
     * credentials or config, plus {@code env}.
     */
    static void environment(ProcessBuilder pb, Map<String, String> env) {
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("GOOGLE_") || k.equals("CLOUDSDK_CONFIG"));
        e.put("AWS_EC2_METADATA_DISABLED", "true");
        e.put("AWS_CONFIG_FILE", "/nonexistent/walship-e2e/aws-config");
        e.put("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/walship-e2e/aws-credentials");
        e.putAll(env);
    }

    /** The environment of a walship child that talks to S3Proxy with the given secret key. */
    static Map<String, String> s3Env(String accessKey, String secretKey) {
        return Map.of("AWS_ACCESS_KEY_ID", accessKey, "AWS_SECRET_ACCESS_KEY", secretKey);
    }

    /** One finished CLI run. */
    record Cli(int code, String out, String err) {
        String all() {
            return out + err;
        }

        @Override
        public String toString() {
            return "exit " + code + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    /** Runs a walship command as a child process to completion. */
    static Cli cli(Map<String, String> env, long timeoutSeconds, String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile("store-e2e", ".out");
        Path err = Files.createTempFile("store-e2e", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(walshipCommand(args)).redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            environment(pb, env);
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new IOException("walship " + String.join(" ", args) + " did not finish in " + timeoutSeconds
                        + " s; stderr so far:\n" + Files.readString(err));
            }
            return new Cli(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Restores into {@code dest} (target args such as "--to", T); asserts exit 0. */
    static Path restore(Map<String, String> env, String url, Path dest, String... target)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("restore", "--replica", url, "-o", dest.toString(), "-q"));
        args.addAll(List.of(target));
        Cli r = cli(env, 180, args.toArray(String[]::new));
        assertEquals(0, r.code(), () -> "restore " + String.join(" ", target) + " from " + url + " failed: " + r);
        assertTrue(Files.exists(dest), "restore succeeded but wrote no " + dest);
        return dest;
    }

    /** Content checksum and integrity_check of each db, by python3's SQLite (writer.py check). */
    static List<DbCheck> check(List<Path> dbs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("python3", writerScript().toString(), "check"));
        for (Path p : dbs) cmd.add(p.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("writer.py check: " + out);
        List<DbCheck> res = new ArrayList<>();
        for (String line : out.strip().split("\n")) {
            String[] parts = line.split(" ");
            res.add(new DbCheck(parts[0], parts[1]));
        }
        if (res.size() != dbs.size()) throw new IOException("check printed " + res.size() + " lines for " + dbs.size());
        return res;
    }

    static DbCheck check(Path db) throws IOException, InterruptedException {
        return check(List.of(db)).get(0);
    }

    record DbCheck(String checksum, String integrity) {
        boolean ok() {
            return integrity.equals("ok");
        }
    }

    /** The replica's restore window, from `walship snapshots --json`. */
    record Window(long earliestTxid, long earliestTime, long latestTxid, long latestTime) {}

    static Window window(Map<String, String> env, String url) throws IOException, InterruptedException {
        Cli r = cli(env, 120, "snapshots", "--replica", url, "--json");
        assertEquals(0, r.code(), () -> "snapshots --json: " + r);
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertTrue(j.path("earliestTxid").isNumber() && j.path("latestTxid").isNumber(), () -> "no window in " + r.out());
        return new Window(j.path("earliestTxid").asLong(), Instant.parse(j.path("earliestTime").asText()).toEpochMilli(),
                j.path("latestTxid").asLong(), Instant.parse(j.path("latestTime").asText()).toEpochMilli());
    }

    /** The latest restore from {@code url} equals the writer's final state and passes integrity_check. */
    static void assertLatestEquals(Map<String, String> env, String url, Path work, PyWriter w)
            throws IOException, InterruptedException {
        Path p = restore(env, url, Files.createDirectories(work).resolve("latest-" + System.nanoTime() + ".db"));
        DbCheck c = check(p);
        assertEquals("ok", c.integrity(), "integrity_check of the latest restore from " + url);
        String expected = w.last().checksum();
        if (!expected.equals(c.checksum())) {
            fail("latest restore from " + url + " differs from the writer's final state (commit " + w.last().seq()
                    + "): " + w.describe(c.checksum()));
        }
        assertEquals(expected, check(w.db).checksum(), "writer log and source database disagree");
    }

    /**
     * Restores {@code --to T} for each instant (at most {@code parallel} restores at a time) and asserts the rule
     * of the file-replica e2e suite: the content equals the writer's state after some commit k that started by T
     * (never a later one), and k is no older than the newest commit that ended by T - sync interval - slack.
     */
    static void assertAtTimes(Map<String, String> env, String url, Path work, List<PyWriter.Commit> commits,
                              List<Long> instants, int parallel) throws Exception {
        Files.createDirectories(work);
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        List<Path> files = new ArrayList<>();
        try {
            List<Future<Path>> fs = new ArrayList<>();
            for (int i = 0; i < instants.size(); i++) {
                Path dest = work.resolve("to-" + i + ".db");
                String t = Instant.ofEpochMilli(instants.get(i)).toString();
                fs.add(pool.submit(() -> restore(env, url, dest, "--to", t)));
            }
            for (Future<Path> f : fs) files.add(f.get());
        } finally {
            pool.shutdownNow();
        }
        List<DbCheck> checks = check(files);
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < instants.size(); i++) {
            String v = violation(commits, instants.get(i), checks.get(i));
            if (v != null) problems.add("--to " + Instant.ofEpochMilli(instants.get(i)) + ": " + v);
        }
        for (Path p : files) Files.deleteIfExists(p);
        if (!problems.isEmpty()) {
            fail(problems.size() + " of " + instants.size() + " time restores from " + url + " broke the rule:\n"
                    + String.join("\n", problems));
        }
    }

    static String violation(List<PyWriter.Commit> commits, long t, DbCheck c) {
        if (!c.ok()) return "integrity_check says " + c.integrity();
        List<PyWriter.Commit> same = commits.stream().filter(k -> k.checksum().equals(c.checksum())).toList();
        if (same.isEmpty()) return "content matches no state the writer ever committed";
        int oldest = -1;
        for (PyWriter.Commit k : commits) if (k.after() <= t - SEEN_SLACK_MS) oldest = Math.max(oldest, k.seq());
        for (PyWriter.Commit k : same) if (k.before() <= t && k.seq() >= oldest) return null;
        PyWriter.Commit k = same.get(0);
        return "content is the writer's state after commit(s) " + same.stream().map(PyWriter.Commit::seq).toList()
                + " (first committed at " + Instant.ofEpochMilli(k.before()) + ".." + Instant.ofEpochMilli(k.after())
                + "), but it must be a commit started by T and no older than commit " + oldest;
    }

    /** {@code n} instants spread evenly over the window (both ends included). */
    static List<Long> spread(Window w, int n) {
        List<Long> res = new ArrayList<>();
        for (int i = 0; i < n; i++) res.add(w.earliestTime() + (w.latestTime() - w.earliestTime()) * i / (n - 1));
        return res;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no " + file + ")";
        }
    }

    /** Non-blank lines of a text. */
    static List<String> lines(String text) {
        return text.lines().filter(l -> !l.isBlank()).toList();
    }
}
