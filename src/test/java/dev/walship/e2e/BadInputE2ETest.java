package dev.walship.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's answers to bad input: exit code, one clear line, and nothing half-written left behind. */
@Timeout(120)
class BadInputE2ETest {
    @TempDir
    static Path shared;
    static Path replica;
    static RestoreCheck.Window window;

    @TempDir
    Path dir;

    /** One small real replica for the tests that need history. */
    @BeforeAll
    static void makeReplica() throws Exception {
        Path db = shared.resolve("app.db");
        replica = shared.resolve("backup");
        try (Writer w = new Writer(db); WalshipProcess ws = WalshipProcess.start(db, replica)) {
            w.run("--count", "1");
            ws.awaitReplicating(30_000);
            w.run("--count", "40", "--sleep-ms", "20");
            E2E.sleep(500);
            assertEquals(0, ws.term());
        }
        window = new RestoreCheck(replica, shared.resolve("r")).window();
    }

    private static RestoreCheck.Result restore(Path replicaDir, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("restore", "--replica", replicaDir.toString(), "-o", out.toString(), "-q"));
        args.addAll(List.of(more));
        return RestoreCheck.cli(args.toArray(String[]::new));
    }

    private static void assertOneLine(RestoreCheck.Result r, String... mustContain) {
        String err = r.err().strip();
        assertFalse(err.isEmpty(), () -> "no error message: " + r);
        assertEquals(1, err.lines().count(), () -> "error is not one line: " + r);
        assertFalse(err.contains("Exception") || err.contains("\tat "), () -> "stack trace or exception name: " + r);
        for (String s : mustContain) assertTrue(err.contains(s), () -> "error should mention " + s + ": " + r);
    }

    @Test
    void emptyReplicaDirectory() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Path out = dir.resolve("out.db");
        RestoreCheck.Result r = restore(empty, out);
        assertEquals(2, r.code(), r::toString);
        assertOneLine(r, empty.toString());
        assertFalse(Files.exists(out), "output created by a failed restore");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(empty), s.toList(), "restore left files behind");
        }
    }

    @Test
    void ifReplicaExistsWithEmptyReplica() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Path out = dir.resolve("out.db");
        RestoreCheck.Result r = restore(empty, out, "--if-replica-exists");
        assertEquals(0, r.code(), r::toString);
        assertFalse(Files.exists(out));
    }

    @Test
    void timeInTheFutureOrBeforeTheWindow() {
        String earliest = Instant.ofEpochMilli(window.earliestTime()).toString();
        String latest = Instant.ofEpochMilli(window.latestTime()).toString();
        for (String t : List.of(Instant.now().plusSeconds(3600).toString(), "2001-01-01T00:00:00Z",
                Instant.ofEpochMilli(window.earliestTime() - 1).toString())) {
            Path out = dir.resolve("out.db");
            RestoreCheck.Result r = restore(replica, out, "--to", t);
            assertEquals(2, r.code(), () -> "--to " + t + ": " + r);
            assertOneLine(r, earliest, latest);
            assertFalse(Files.exists(out), "output created by a failed restore");
        }
    }

    @Test
    void txidOutsideTheWindow() {
        Path out = dir.resolve("out.db");
        RestoreCheck.Result r = restore(replica, out, "--txid", Long.toString(window.latestTxid() + 1000));
        assertEquals(2, r.code(), r::toString);
        assertOneLine(r);
        assertFalse(Files.exists(out));
    }

    @Test
    void malformedReplicaUrls() {
        for (String url : List.of("ftp://x", "relative/backup", "backup")) {
            Path out = dir.resolve("out.db");
            RestoreCheck.Result r = RestoreCheck.cli("restore", "--replica", url, "-o", out.toString());
            assertEquals(2, r.code(), () -> url + ": " + r);
            assertOneLine(r);
            assertFalse(Files.exists(out));
            RestoreCheck.Result s = RestoreCheck.cli("snapshots", "--replica", url);
            assertEquals(2, s.code(), () -> "snapshots " + url + ": " + s);
        }
    }

    @Test
    void existingOutputIsNeverTouchedWithoutForce() throws Exception {
        Path out = dir.resolve("keep.db");
        byte[] original = "precious, not a database".getBytes();
        Files.write(out, original);
        RestoreCheck.Result r = restore(replica, out);
        assertEquals(2, r.code(), r::toString);
        assertOneLine(r, out.toString(), "--force");
        assertArrayEquals(original, Files.readAllBytes(out));

        RestoreCheck.Result skip = restore(replica, out, "--if-db-not-exists");
        assertEquals(0, skip.code(), skip::toString);
        assertArrayEquals(original, Files.readAllBytes(out));

        RestoreCheck.Result forced = restore(replica, out, "--force");
        assertEquals(0, forced.code(), forced::toString);
        assertTrue(E2E.check(out).ok());
    }

    @Test
    void replicateRefusesANonSqliteFile() throws Exception {
        Path notDb = dir.resolve("notes.txt");
        Files.writeString(notDb, "this is a plain text file, not a SQLite database\n".repeat(50));
        List<String> cmd = E2E.javaCommand();
        cmd.addAll(List.of("replicate", "--db", notDb.toString(), "--replica", "file://" + dir.resolve("b"),
                "--admin-listen", "off"));
        Path log = dir.resolve("replicate.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), () -> "walship kept running on a text file:\n" + E2E.tail(log, 20));
        } finally {
            p.destroyForcibly();
        }
        String output = Files.readString(log);
        assertNotEquals(0, p.exitValue(), output);
        assertTrue(output.lines().anyMatch(l -> l.contains(notDb.toString()) && l.contains("not a SQLite")),
                () -> "no line naming the file: " + output);
        assertEquals(original(notDb), Files.readString(notDb), "walship modified the non-SQLite file");
    }

    private static String original(Path notDb) {
        return "this is a plain text file, not a SQLite database\n".repeat(50);
    }

    @Test
    void corruptSegmentIsNamedAndNothingIsWritten() throws Exception {
        Path copy = dir.resolve("backup-copy");
        copyTree(replica, copy);
        List<Path> l0;
        try (Stream<Path> s = Files.list(copy.resolve("L0"))) {
            l0 = s.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
        }
        assertTrue(l0.size() >= 3, "expected several L0 files, got " + l0);
        Path victim = l0.get(l0.size() / 2);
        byte[] b = Files.readAllBytes(victim);
        b[b.length / 2] ^= 0x5a;
        Files.write(victim, b);
        Path out = dir.resolve("out.db");
        RestoreCheck.Result r = restore(copy, out);
        assertEquals(1, r.code(), r::toString);
        assertOneLine(r, victim.getFileName().toString());
        assertFalse(Files.exists(out), "a failed restore must not leave the output");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(copy), s.toList(), "a failed restore left temporary files behind");
        }
    }

    @Test
    void newerFormatIsRefused() throws Exception {
        Path copy = dir.resolve("backup-copy");
        copyTree(replica, copy);
        Files.writeString(copy.resolve("walship-replica.json"),
                "{\"format\": 99, \"created\": \"2030-01-01T00:00:00Z\", \"writer\": \"walship 9.0\"}\n");
        Path out = dir.resolve("out.db");
        RestoreCheck.Result r = restore(copy, out);
        assertNotEquals(0, r.code(), r::toString);
        assertOneLine(r, "newer walship", copy.toString());
        assertFalse(Files.exists(out));
        RestoreCheck.Result s = RestoreCheck.cli("snapshots", "--replica", copy.toString());
        assertNotEquals(0, s.code(), s::toString);
        assertTrue(s.err().contains("newer walship"), s::toString);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }
}
