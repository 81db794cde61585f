package dev.walship.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.walship.db.DbFiles;
import dev.walship.db.InProcessSidecar;
import dev.walship.e2e.E2E;
import dev.walship.e2e.RestoreCheck;
import dev.walship.e2e.Writer;
import dev.walship.replica.ReplicaSync;
import dev.walship.replica.file.FileReplica;
import dev.walship.restore.RestorePlan;
import dev.walship.restore.RestorePlanner;
import dev.walship.restore.RestoreTarget;
import dev.walship.restore.Restorer;
import dev.walship.restore.Verifier;
import dev.walship.retention.Retention;
import dev.walship.segment.FileInfo;
import dev.walship.segment.SegmentHeader;
import dev.walship.segment.SegmentReader;
import dev.walship.segment.SegmentWriter;
import dev.walship.segment.TxnHeader;
import dev.walship.testing.ManualClock;
import dev.walship.wal.WalPosition;
import dev.walship.wal.WalReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code walship verify} and {@link Verifier}: what each kind of damage looks like, and the clean case. */
@Timeout(90)
class ReplicaVerifyTest {
    private static final ReplicaSync.Policy POLICY = new ReplicaSync.Policy(60_000, 300_000,
            new Retention.Policy(72 * 3_600_000L, 3_600_000L, 24 * 3_600_000L));

    @TempDir
    Path dir;
    private Path db;
    private Path root;
    private Path spool;
    private Writer writer;
    private Process app;

    @AfterEach
    void closeApp() throws Exception {
        if (app != null) {
            app.destroyForcibly();
            app.waitFor();
        }
    }

    /** A replica with snapshots, L0, L1 and L2 files, and a quiet live database equal to its latest state. */
    private FileReplica replicate(long checkpointPages) throws Exception {
        return replicate(checkpointPages, "--count", "1", "--sleep-ms", "0");
    }

    private FileReplica replicate(long checkpointPages, String... firstWrites) throws Exception {
        db = dir.resolve("app.db");
        root = dir.resolve("replica");
        spool = dir.resolve("spool");
        writer = new Writer(db).run(firstWrites);
        // the app keeps a connection open, as apps do: the last connection to close would delete the WAL
        app = new ProcessBuilder("python3", "-c", "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1]);"
                + " c.execute('select count(*) from sqlite_master').fetchall(); print('open', flush=True); time.sleep(120)",
                db.toString()).redirectErrorStream(true).start();
        assertEquals("open", new String(app.getInputStream().readNBytes(4)));
        ManualClock clock = new ManualClock(Instant.now().minus(Duration.ofHours(2)));
        FileReplica replica = new FileReplica(root);
        InProcessSidecar sc = new InProcessSidecar(db, spool, replica, clock, POLICY, Duration.ofMinutes(3),
                checkpointPages).open();
        for (int i = 0; i < 18; i++) {
            writer.run("--count", "3", "--sleep-ms", "0");
            clock.advance(Duration.ofSeconds(20));
            assertTrue(sc.round());
        }
        sc.stop();
        for (int level = 0; level <= 2; level++) {
            int l = level;
            assertTrue(replica.listFiles().stream().anyMatch(f -> !f.isSnapshot() && f.level() == l), "an L" + l + " file");
        }
        return replica;
    }

    private Verifier.Options options(Path temp, Duration wait) {
        return new Verifier.Options(temp, Restorer.IntegrityCheck.FULL, wait, null);
    }

    @Test
    void aGoodReplicaVerifiesInAPrivateTempDirectoryThatIsDeletedAfterwards() throws Exception {
        FileReplica replica = replicate(1000);
        Path temp = Files.createDirectories(dir.resolve("tmp"));
        List<String> seen = new CopyOnWriteArrayList<>();
        // every download during the restore looks at what the restore has put into the temp directory
        FaultyReplica watching = new FaultyReplica(replica, FaultyReplica.Point.UPLOAD, f -> false, 0, 0) {
            @Override
            public InputStream open(FileInfo file, long offset) throws java.io.IOException {
                try (Stream<Path> s = Files.walk(temp)) {
                    for (Path p : s.toList()) {
                        if (!p.equals(temp)) seen.add(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))
                                + (Files.isDirectory(p) ? " dir" : " file"));
                    }
                }
                return super.open(file, offset);
            }
        };
        Verifier.Report r = Verifier.verify(watching, Verifier.live(db, spool), options(temp, Duration.ofSeconds(5)));
        assertEquals(Verifier.Outcome.OK, r.outcome(), r.message());
        assertEquals(replica.listFiles().size(), r.files(), "every file was read, not only the restore chain");
        assertEquals(r.latestTxid(), r.comparedTxid());
        assertTrue(seen.contains("rwx------ dir") && seen.contains("rw------- file"), "temp dir 0700, file 0600: " + seen);
        assertTrue(seen.stream().allMatch(s -> s.equals("rwx------ dir") || s.equals("rw------- file")), seen::toString);
        try (Stream<Path> s = Files.list(temp)) {
            assertEquals(0, s.count(), "the temp directory is gone");
        }

        RestoreCheck.Result cli = RestoreCheck.cli("verify", "--replica", root.toString(), "--db", db.toString(),
                "--temp-dir", temp.toString(), "--json");
        assertEquals(0, cli.code(), cli::toString);
        assertEquals(1, E2E.lines(cli.out()).size(), "one JSON line: " + cli.out());
        JsonNode j = new ObjectMapper().readTree(cli.out());
        assertEquals("ok", j.path("outcome").asText());
        assertEquals(r.latestTxid(), j.path("comparedTxid").asLong());
        assertEquals(r.latestTxid(), j.path("latestTxid").asLong());
    }

    @Test
    void aBitFlipOffTheRestoreChainIsFoundAndNamed() throws Exception {
        FileReplica replica = replicate(1000);
        List<FileInfo> files = replica.listFiles();
        RestorePlan plan = RestorePlanner.plan(files, new RestoreTarget.Latest(), System.currentTimeMillis());
        FileInfo victim = files.stream().filter(f -> !f.isSnapshot() && !plan.files().contains(f)).findFirst()
                .orElseThrow(() -> new AssertionError("every file is on the latest chain: " + files));
        flipByte(root.resolve(victim.name()));
        // a plain restore never reads it, so it would go unnoticed until someone needs that point in time
        RestoreCheck rc = new RestoreCheck(root, dir.resolve("restores"));
        rc.restore();

        Verifier.Report r = Verifier.verify(replica, null, options(dir, Duration.ZERO));
        assertEquals(Verifier.Outcome.CORRUPT, r.outcome(), r.message());
        assertTrue(r.message().contains(victim.name()), r.message());
        RestoreCheck.Result cli = RestoreCheck.cli("verify", "--replica", root.toString(), "-q");
        assertEquals(1, cli.code(), cli::toString);
        assertTrue(cli.err().contains(victim.name()) && cli.err().contains("corrupt"), cli::toString);
    }

    @Test
    void filesThatDisagreeAboutATxidAreAMismatchNamingIt() throws Exception {
        FileReplica replica = replicate(1000);
        FileInfo l1 = replica.listFiles().stream().filter(f -> f.level() == 1).findFirst().orElseThrow();
        rewriteWithChecksum(root.resolve(l1.name()), l1, 1); // well-formed, every CRC right, one claim wrong
        Verifier.Report r = Verifier.verify(replica, null, options(dir, Duration.ZERO));
        assertEquals(Verifier.Outcome.MISMATCH, r.outcome(), r.message());
        assertTrue(r.message().contains("txid " + l1.maxTxid() + ":"), r.message());
        assertTrue(r.message().contains(l1.name()), r.message());
    }

    @Test
    void aLiveDatabaseChangedBehindWalshipsBackIsAMismatchAtTheTxidItWasCopiedAs() throws Exception {
        // a big table written once and checkpointed: its pages live in the database file, never in the WAL
        replicate(1000, "--count", "1", "--sleep-ms", "0", "--huge-rows", "100", "--final-checkpoint", "TRUNCATE");
        var state = dev.walship.db.LiveDatabase.spoolState(spool).orElseThrow();
        flipByte(db, pageNotInWal());
        RestoreCheck.Result cli = RestoreCheck.cli("verify", "--replica", root.toString(), "--db", db.toString(),
                "--spool-dir", spool.toString(), "--wait", "2s", "--json");
        assertEquals(1, cli.code(), cli::toString);
        JsonNode j = new ObjectMapper().readTree(cli.out());
        assertEquals("mismatch", j.path("outcome").asText(), cli::toString);
        assertEquals(state.lastTxid(), j.path("comparedTxid").asLong(), cli::toString);
        assertTrue(j.path("message").asText().contains("differs from the replica at txid " + state.lastTxid()), cli::toString);
    }

    @Test
    void aLiveDatabaseAheadOfTheReplicaIsNotCompared() throws Exception {
        replicate(1000);
        writer.run("--count", "3", "--sleep-ms", "0"); // the sidecar is stopped: these never reach the replica
        RestoreCheck.Result cli = RestoreCheck.cli("verify", "--replica", root.toString(), "--db", db.toString(),
                "--spool-dir", spool.toString(), "--wait", "1s");
        assertEquals(3, cli.code(), cli::toString);
        assertTrue(cli.err().contains("ahead of the replica") && cli.err().contains("nothing compared"), cli::toString);
        assertFalse(cli.err().contains("mismatch"), cli::toString);
    }

    /** A page of the database file that the WAL does not override, so changing it changes the live database. */
    private int pageNotInWal() throws Exception {
        Set<Integer> inWal = new HashSet<>();
        try (FileChannel wal = FileChannel.open(DbFiles.wal(db))) {
            var h = WalReader.readHeader(wal, "wal");
            var end = WalReader.scan(wal, WalPosition.start(h), "wal").end();
            WalReader.readFrames(wal, WalPosition.start(h), end.frame(), (i, pgno, c, page) -> inWal.add(pgno), "wal");
        }
        long pages = Files.size(db) / 4096;
        for (int p = 2; p <= pages; p++) if (!inWal.contains(p)) return p;
        throw new AssertionError("every page of the database file is in the WAL");
    }

    private static void flipByte(Path file) throws Exception {
        flipByte(file, -1);
    }

    /** Flips one bit in the middle of the file, or in the middle of 4 KiB page {@code page} when given. */
    private static void flipByte(Path file, int page) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long at = page > 0 ? (page - 1) * 4096L + 2048 : ch.size() / 2;
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x10)).rewind();
            ch.write(b, at);
        }
    }

    /** Rewrites a segment with the same pages but a whole-database checksum off by {@code delta} in its last record. */
    private static void rewriteWithChecksum(Path file, FileInfo info, long delta) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = Files.newInputStream(file); SegmentReader r = SegmentReader.open(in, info.name(), info)) {
            SegmentHeader h = r.header();
            try (SegmentWriter w = SegmentWriter.create(out, SegmentHeader.segment(h.level(), true, h.pageSize(),
                    info.minTxid(), info.maxTxid(), info.minTime(), info.maxTime()))) {
                byte[] page = new byte[h.pageSize()];
                for (TxnHeader t; (t = r.nextTxn()) != null; ) {
                    w.beginTxn(t);
                    for (int i = 0; i < t.pageCount(); i++) w.page(r.nextPage(page), page, 0);
                    long sum = r.endTxn();
                    w.endTxn(t.txid() == info.maxTxid() ? sum ^ delta : sum);
                }
                w.finish();
            }
        }
        Files.write(file, out.toByteArray());
    }
}
