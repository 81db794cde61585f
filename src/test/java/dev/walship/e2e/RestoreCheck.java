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
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongPredicate;

/** Restores from a replica with the real CLI (in-process) and checks the results against the writer's record. */
final class RestoreCheck {
    /** How much later than the commit walship may see it: the sync interval plus slack for a loaded machine. */
    static final long SEEN_SLACK_MS = E2E.SYNC_INTERVAL_MS + 1_000;

    final Path replica;
    private final Path work;
    private int n;

    RestoreCheck(Path replica, Path work) throws IOException {
        this.replica = replica;
        this.work = Files.createDirectories(work);
    }

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    /** Runs the walship CLI in this JVM. */
    static Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code;
        try (PrintWriter o = new PrintWriter(out); PrintWriter e = new PrintWriter(err)) {
            code = Main.commandLine(o, e).execute(args);
        }
        return new Result(code, out.toString(), err.toString());
    }

    /** Restores into a fresh file (target args such as "--to", T or "--txid", N); asserts exit 0. */
    Path restore(String... target) {
        Path dest = work.resolve("r" + (n++) + ".db");
        List<String> args = new ArrayList<>(List.of("restore", "--replica", replica.toString(), "-o", dest.toString(), "-q"));
        args.addAll(List.of(target));
        Result r = cli(args.toArray(String[]::new));
        assertEquals(0, r.code, () -> "restore " + String.join(" ", target) + " failed: " + r);
        assertTrue(Files.exists(dest), "restore succeeded but wrote no " + dest);
        return dest;
    }

    record Window(long earliestTxid, long earliestTime, long latestTxid, long latestTime, Set<Long> snapshotTxids) {}

    /** Parses `walship snapshots --json`. */
    Window window() throws IOException {
        Result r = cli("snapshots", "--replica", "file://" + replica, "--json");
        assertEquals(0, r.code, () -> "snapshots --json: " + r);
        JsonNode j = new ObjectMapper().readTree(r.out);
        assertTrue(j.path("earliestTxid").isNumber() && j.path("latestTxid").isNumber(), () -> "no window in " + r.out);
        Set<Long> snaps = new TreeSet<>();
        for (JsonNode s : j.path("snapshots")) snaps.add(s.path("txid").asLong());
        assertTrue(!snaps.isEmpty(), "snapshots --json lists no snapshot: " + r.out);
        return new Window(j.path("earliestTxid").asLong(), Instant.parse(j.path("earliestTime").asText()).toEpochMilli(),
                j.path("latestTxid").asLong(), Instant.parse(j.path("latestTime").asText()).toEpochMilli(), snaps);
    }

    /** The latest restore equals the given writer state and passes both SQLite builds' integrity checks. */
    void assertLatest(String expectedChecksum) throws IOException, InterruptedException {
        Path p = restore();
        E2E.DbCheck c = E2E.check(p);
        assertEquals("ok", c.integrity(), "integrity_check of latest restore " + p);
        if (!expectedChecksum.equals(c.checksum())) {
            fail("latest restore differs from the source's final state (" + describe(c.checksum()) + "); "
                    + E2E.preserve(replica.getParent()));
        }
        Files.deleteIfExists(p);
    }

    private Writer writerForDescribe;

    /** Lets failure messages say which writer state a wrong restore holds. */
    RestoreCheck describedBy(Writer w) {
        this.writerForDescribe = w;
        return this;
    }

    private String describe(String checksum) {
        if (writerForDescribe == null) return "content " + checksum;
        try {
            List<Integer> seqs = writerForDescribe.commits().stream().filter(k -> k.checksum().equals(checksum))
                    .map(Writer.Commit::seq).toList();
            return seqs.isEmpty() ? "content matches no writer state" : "content is the writer's state after commit(s) "
                    + seqs + " of " + writerForDescribe.last().seq();
        } catch (IOException e) {
            return "content " + checksum;
        }
    }

    /**
     * Restores at each instant T and asserts the rule: the content equals the writer's state after some
     * commit k that started before T (never a later commit), and, where {@code walshipWatching} says so
     * for T, k is no older than the newest commit that ended by T - sync interval - slack.
     */
    void assertAtTimes(List<Writer.Commit> commits, List<Long> instants, LongPredicate walshipWatching)
            throws IOException, InterruptedException {
        List<Path> files = new ArrayList<>();
        for (long t : instants) files.add(restore("--to", Instant.ofEpochMilli(t).toString()));
        List<E2E.DbCheck> checks = E2E.check(files);
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < instants.size(); i++) {
            String v = violation(commits, instants.get(i), checks.get(i), walshipWatching.test(instants.get(i)));
            if (v != null) problems.add("--to " + Instant.ofEpochMilli(instants.get(i)) + ": " + v);
        }
        for (Path p : files) Files.deleteIfExists(p);
        if (!problems.isEmpty()) fail(problems.size() + " of " + instants.size() + " time restores broke the rule ("
                + E2E.preserve(replica.getParent()) + "):\n" + String.join("\n", problems));
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
    List<Integer> assertTxids(List<Writer.Commit> commits, List<Long> txids, Set<Long> snapshotTxids)
            throws IOException, InterruptedException {
        List<Path> files = new ArrayList<>();
        for (long x : txids) files.add(restore("--txid", Long.toString(x)));
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
        if (!problems.isEmpty()) fail(E2E.preserve(replica.getParent()) + "\n" + String.join("\n", problems));
        return picks;
    }
}
