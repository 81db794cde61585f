package dev.walship.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.e2e.E2E;
import dev.walship.replica.file.FileReplica;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * 50 small databases in one `walship replicate --config` process with a 64 MiB heap limit, against the same
 * process with one database. By design each database costs two threads (its follower, and one uploader per
 * replica), four SQLite connections and a page-hash table of 8 bytes per page; nothing else grows with the
 * count. The figures are printed for docs/RELIABILITY.md "Many databases".
 */
@Timeout(180)
class ManyDatabasesTest {
    private static final int DBS = 50;
    /** Threads per database with one replica: the follower and the replica's uploader. */
    private static final int THREADS_PER_DB = 2;

    @TempDir
    Path dir;

    /** What one sidecar process uses once every database replicates. */
    record Usage(int dbs, int threads, int walshipThreads, long rssKb, long heapUsedKb, int fds) {}

    @Test
    void fiftyDatabasesStayBounded() throws Exception {
        Usage one = run(1);
        Usage many = run(DBS);
        System.out.println("many databases: " + one + " / " + many);
        assertEquals(THREADS_PER_DB, one.walshipThreads());
        assertEquals(THREADS_PER_DB * DBS, many.walshipThreads(), "exactly " + THREADS_PER_DB + " walship threads per database");
        assertTrue(many.threads() - one.threads() <= THREADS_PER_DB * (DBS - 1) + 5,
                "the JVM's other threads do not grow with the databases: " + one + " vs " + many);
        assertTrue(many.heapUsedKb() < 32 * 1024, "live heap after GC under 32 MiB: " + many);
        assertTrue(many.rssKb() - one.rssKb() < DBS * 4 * 1024L, "under 4 MiB resident per database: " + one + " vs " + many);
    }

    private Usage run(int count) throws Exception {
        Path base = Files.createDirectories(dir.resolve("n" + count));
        List<Path> dbs = new ArrayList<>();
        for (int i = 0; i < count; i++) dbs.add(base.resolve("db" + i + ".db"));
        python("import sqlite3,sys\nfor p in sys.argv[1:]:\n c=sqlite3.connect(p); c.execute('PRAGMA journal_mode=WAL')\n"
                + " c.execute('create table t(id integer primary key, v text)')\n"
                + " c.executemany('insert into t(v) values(?)', [('x'*200,)]*200); c.commit(); c.close()", dbs);
        StringBuilder cfg = new StringBuilder("admin-listen: off\ndbs:\n");
        for (int i = 0; i < count; i++) {
            cfg.append("  - path: ").append(dbs.get(i)).append("\n    replicas: [file://")
                    .append(base.resolve("replica" + i)).append("]\n");
        }
        Path config = Files.writeString(base.resolve("sidecar.yml"), cfg.toString());
        Path log = base.resolve("walship.log");
        List<String> cmd = E2E.javaCommand("-Xmx64m");
        cmd.addAll(List.of("replicate", "--config", config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        E2E.environment(pb, Map.of());
        Process p = pb.start();
        try {
            awaitAll(count, base, p, log, "snapshots");
            // one more commit in every database, shipped as an L0 file to every replica
            python("import sqlite3,sys\nfor p in sys.argv[1:]:\n c=sqlite3.connect(p); c.execute(\"insert into t(v)"
                    + " values('y')\"); c.commit(); c.close()", dbs);
            awaitAll(count, base, p, log, "L0");
            E2E.sleep(1_500);
            assertTrue(p.isAlive(), () -> "walship exited:\n" + E2E.tail(log, 20));
            long pid = p.pid();
            String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            E2E.run(60, jcmd, "" + pid, "GC.run");
            String heap = E2E.run(60, jcmd, "" + pid, "GC.heap_info");
            String threads = E2E.run(60, jcmd, "" + pid, "Thread.print");
            String status = Files.readString(Path.of("/proc/" + pid + "/status"));
            int walship = (int) threads.lines().filter(l -> l.startsWith("\"walship-db-") || l.startsWith("\"walship-upload-"))
                    .count();
            int fds;
            try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
                fds = (int) s.count();
            }
            return new Usage(count, (int) field(status, "Threads:\\s+(\\d+)"), walship, field(status, "VmRSS:\\s+(\\d+) kB"),
                    field(heap, "used (\\d+)K"), fds);
        } finally {
            p.destroy();
            if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
        }
    }

    /** Waits until every replica holds a file under {@code subdir}. */
    private static void awaitAll(int count, Path base, Process p, Path log, String subdir) throws Exception {
        long deadline = System.currentTimeMillis() + 90_000;
        while (true) {
            int ready = 0;
            for (int i = 0; i < count; i++) {
                Path d = base.resolve("replica" + i).resolve(subdir);
                if (Files.isDirectory(d) && !new FileReplica(base.resolve("replica" + i)).listFiles().stream()
                        .filter(f -> f.name().startsWith(subdir)).toList().isEmpty()) ready++;
            }
            if (ready == count) return;
            if (!p.isAlive() || System.currentTimeMillis() > deadline) {
                throw new IOException(ready + " of " + count + " replicas hold " + subdir + " files; walship alive="
                        + p.isAlive() + ":\n" + E2E.tail(log, 20));
            }
            Thread.sleep(200);
        }
    }

    private static long field(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) throw new AssertionError("no " + regex + " in:\n" + text);
        return Long.parseLong(m.group(1));
    }

    private static void python(String code, List<Path> dbs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("python3", "-c", code));
        for (Path d : dbs) cmd.add(d.toString());
        E2E.run(120, cmd.toArray(String[]::new));
    }
}
