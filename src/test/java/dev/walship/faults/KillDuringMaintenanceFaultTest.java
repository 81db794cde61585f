package dev.walship.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.walship.e2e.E2E;
import dev.walship.e2e.RestoreCheck;
import dev.walship.e2e.Writer;
import dev.walship.replica.file.FileReplica;
import dev.walship.segment.FileInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 a real `walship replicate` the moment it is writing a snapshot, compacting, or uploading (seen by the
 * temp files those steps create), and at random instants, while compaction and retention run every second and the
 * app keeps writing. After each restart the follower goes on from its spool; at the end every file in the replica
 * passes its checksums (killed uploads left only never-listed temp files), and the latest state and every
 * transaction still restorable equal the app's.
 */
@Timeout(240)
class KillDuringMaintenanceFaultTest {
    /** What a kill aims at, and the temp file whose presence says the sidecar is in the middle of it. */
    enum Target { SNAPSHOT, COMPACTION, UPLOAD, ANY }

    @TempDir
    Path dir;

    @Test
    void killsInTheMiddleOfSnapshotsCompactionsAndUploadsLoseNothing() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica");
        Path spool = dir.resolve("spool");
        Path config = dir.resolve("sidecar.yml");
        Path log = dir.resolve("walship.log");
        Files.writeString(config, String.join("\n",
                "admin-listen: off",
                "log-level: debug",
                "dbs:",
                "  - path: " + db,
                "    spool-dir: " + spool,
                "    replicas: [file://" + replica + "]",
                "    sync-interval: 100ms",
                "    snapshot-interval: 2s",
                "    retention: 10s",
                "    l0-retention: 3s",
                "    l1-interval: 1s",
                "    l2-interval: 3s",
                "    checkpoint-pages: 200",
                ""));
        Path stop = dir.resolve("stop-writer");
        Random rnd = new Random(20261205);
        Map<Target, Integer> leftovers = new EnumMap<>(Target.class);
        try (Writer w = new Writer(db)) {
            // a big table makes each snapshot a few MB, so a kill can land inside one
            w.run("--count", "1", "--huge-rows", "1500");
            w.start("--stop-file", stop.toString(), "--sleep-ms", "3", "--blob", "3000");
            List<Target> plan = new ArrayList<>();
            for (int i = 0; i < 2; i++) plan.addAll(List.of(Target.SNAPSHOT, Target.COMPACTION, Target.UPLOAD, Target.ANY));
            for (Target target : plan) {
                Process p = start(config, log);
                try {
                    awaitLog(log, "replicating db=", p);
                    boolean hit = target == Target.ANY ? sleepRandom(rnd) : awaitTemp(target, spool, replica, p);
                    assertTrue(p.isAlive(), () -> "walship died on its own:\n" + E2E.tail(log, 30));
                    p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                    if (hit && leftover(target, spool, replica)) leftovers.merge(target, 1, Integer::sum);
                } finally {
                    p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
                assertTrue(w.isAlive(), "writer died");
            }
            Files.createFile(stop);
            w.await(30_000);

            Process last = start(config, log);
            awaitLog(log, "replicating db=", last);
            E2E.sleep(2_000);
            last.destroy();
            assertTrue(last.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, last.exitValue(), () -> E2E.tail(log, 30));
            String out = Files.readString(log);
            assertTrue(!out.contains("please report this"), "walship reported an internal problem");
            assertTrue(out.contains("compacted db=app.db level=2") && out.contains("retention deleted files"),
                    () -> "compaction to L2 and retention both ran: " + out.lines().filter(l -> l.contains("compact")
                            || l.contains("retention") || l.contains("WARN")).limit(30).toList() + "\n" + E2E.preserve(dir));
            System.out.println("kills that left the step half done: " + leftovers);
            for (Target t : List.of(Target.SNAPSHOT, Target.UPLOAD)) {
                assertTrue(leftovers.getOrDefault(t, 0) > 0, "no kill landed inside a " + t + ": " + leftovers);
            }

            RestoreCheck.Result v = RestoreCheck.cli("verify", "--replica", replica.toString(), "--db", db.toString(),
                    "--spool-dir", spool.toString(), "--json");
            assertEquals(0, v.code(), v::toString);
            assertEquals("ok", new ObjectMapper().readTree(v.out()).path("outcome").asText(), v::toString);
            RestoreCheck rc = new RestoreCheck(replica, dir.resolve("restores")).describedBy(w);
            rc.assertLatest(w);
            FileReplica r = new FileReplica(replica);
            rc.assertTxids(w.commits(), exactTxids(r), snapshotTxids(r));
        }
    }

    private static Process start(Path config, Path log) throws IOException {
        List<String> cmd = E2E.javaCommand();
        cmd.addAll(List.of("replicate", "--config", config.toString()));
        Files.writeString(log, "=== start\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        E2E.environment(pb, Map.of());
        return pb.start();
    }

    /** Waits for a log line of the current run. */
    private static void awaitLog(Path log, String text, Process p) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            List<String> lines = Files.readAllLines(log);
            int from = lines.lastIndexOf("=== start");
            if (lines.subList(from, lines.size()).stream().anyMatch(l -> l.contains(text))) return;
            if (!p.isAlive()) throw new IOException("walship exited " + p.exitValue() + ":\n" + E2E.tail(log, 30));
            Thread.sleep(20);
        }
        throw new IOException("no \"" + text + "\" within 60 s:\n" + E2E.tail(log, 30));
    }

    private static boolean sleepRandom(Random rnd) {
        E2E.sleep(200 + rnd.nextInt(2000));
        return false;
    }

    /** Polls for the temp file that marks the target step in progress; true once seen (within 15 s). */
    private static boolean awaitTemp(Target t, Path spool, Path replica, Process p) throws IOException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline && p.isAlive()) {
            if (leftover(t, spool, replica)) return true;
            Thread.onSpinWait();
        }
        return false;
    }

    private static boolean leftover(Target t, Path spool, Path replica) throws IOException {
        return switch (t) {
            case SNAPSHOT -> any(spool.resolve("tmp"), n -> n.endsWith(".snap"));
            case COMPACTION -> any(spool.resolve("tmp"), n -> n.endsWith(".pages") || n.endsWith(".seg"));
            case UPLOAD -> any(replica, n -> n.startsWith(".") && n.contains(".tmp-"));
            case ANY -> false;
        };
    }

    private static boolean any(Path root, Predicate<String> name) throws IOException {
        if (!Files.isDirectory(root)) return false;
        try (Stream<Path> s = Files.walk(root)) {
            return s.anyMatch(p -> name.test(p.getFileName().toString()));
        } catch (java.io.UncheckedIOException e) {
            return false; // a temp file vanished while walking: it was not there
        }
    }

    /** Txids still restorable exactly (in L0 files or snapshots), at most 40, ascending. */
    private static List<Long> exactTxids(FileReplica r) throws IOException {
        TreeSet<Long> all = new TreeSet<>();
        for (FileInfo f : r.listFiles()) {
            if (f.isSnapshot() || f.level() == 0) for (long t = f.minTxid(); t <= f.maxTxid(); t++) all.add(t);
        }
        List<Long> list = new ArrayList<>(all);
        return list.subList(Math.max(0, list.size() - 40), list.size());
    }

    private static Set<Long> snapshotTxids(FileReplica r) throws IOException {
        Set<Long> s = new TreeSet<>();
        for (FileInfo f : r.listFiles()) if (f.isSnapshot()) s.add(f.maxTxid());
        return s;
    }
}
