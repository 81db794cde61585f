package dev.walship.restore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.replica.ReplicaClient;
import dev.walship.restore.RestoreException.Kind;
import dev.walship.restore.Restorer.IntegrityCheck;
import dev.walship.restore.Restorer.Options;
import dev.walship.segment.DbChecksum;
import dev.walship.segment.FileInfo;
import dev.walship.segment.SegmentHeader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestorerTest {
    static final long NOW = History.BASE + 1_000_000_000L;

    @TempDir Path tmp;
    History h;
    Path outDir;
    Path out;
    FileInfo snap1;
    List<FileInfo> l0 = new ArrayList<>();

    /** txid 1 snapshot, then txids 2..10 in L0 files 2-4, 5-7 (compressed), 8-10, and an L1 over 2-7. */
    @BeforeEach
    void history() throws Exception {
        h = new History(Files.createDirectories(tmp.resolve("work")), 1024);
        var sqls = new ArrayList<String>();
        sqls.add("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX tv ON t(v);"
                + "INSERT INTO t(v) " + rows(200, 40));
        for (int i = 2; i <= 10; i++) {
            sqls.add(switch (i) {
                case 4 -> "DELETE FROM t WHERE id % 3 = 0;";
                case 5 -> "DELETE FROM t WHERE id > 20; VACUUM;"; // shrinks the file
                case 6 -> "INSERT INTO t(v)" + rows(300, 300); // grows it
                default -> "INSERT INTO t(v)" + rows(i * 7, 60);
            });
        }
        h.commitAll(sqls);
        assertTrue(h.dbSize(5) < h.dbSize(4) && h.dbSize(6) > h.dbSize(4), "the history must shrink then grow");
        snap1 = h.snapshot(1);
        l0.add(h.segment(0, 2, 4, false));
        l0.add(h.segment(0, 5, 7, true));
        l0.add(h.segment(0, 8, 10, false));
        outDir = Files.createDirectories(tmp.resolve("out"));
        out = outDir.resolve("restored.db");
    }

    /** A SELECT of n random hex strings (python's SQLite may predate generate_series). */
    static String rows(int n, int bytes) {
        return " WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < " + n + ")"
                + " SELECT hex(randomblob(" + bytes + ")) FROM s;";
    }

    RestoreResult restore(RestoreTarget target, boolean force) throws IOException {
        RestorePlan plan = RestorePlanner.plan(h.replica.url(), h.replica.listFiles(), target, NOW);
        return Restorer.restore(h.replica, plan, new Options(out, force, IntegrityCheck.FULL, null));
    }

    List<String> outDirListing() throws IOException {
        try (Stream<Path> s = Files.list(outDir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void restoresTheLatestStateByteForByte() throws Exception {
        RestoreResult r = restore(new RestoreTarget.Latest(), false);
        assertArrayEquals(h.images.get(10), Files.readAllBytes(out));
        assertEquals(10, r.txid());
        assertEquals(History.time(10), r.time());
        assertEquals(h.dbSize(10), r.dbSize());
        assertEquals(1024, r.pageSize());
        assertEquals(DbChecksum.ofFile(out, 1024).value(), r.dbChecksum());
        assertEquals(4, r.filesRead());
        long stored = h.replica.listFiles().stream().mapToLong(FileInfo::size).sum();
        assertEquals(stored, r.bytesRead());
        assertEquals(Granularity.TRANSACTION, r.granularity());
        assertEquals(List.of("restored.db"), outDirListing());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
    }

    @Test
    void everyTxidIsRestorableIncludingShrinkAndGrowth() throws Exception {
        h.segment(1, 2, 7, true); // the planner will prefer it for 7..10; L0s remain for the txids inside
        for (long x = 1; x <= 10; x++) {
            RestoreResult r = restore(new RestoreTarget.AtTxid(x), true);
            assertEquals(x, r.txid());
            assertArrayEquals(h.images.get((int) x), Files.readAllBytes(out), "txid " + x);
        }
    }

    @Test
    void stopsAtATimeInsideAnL0File() throws Exception {
        RestoreResult r = restore(new RestoreTarget.AtTime(Instant.ofEpochMilli(History.time(6) + 999)), false);
        assertEquals(6, r.txid());
        assertArrayEquals(h.images.get(6), Files.readAllBytes(out));
        assertEquals(3, r.filesRead());
    }

    @Test
    void snapshotAloneWhenTheFirstRecordIsAlreadyPastTheTarget() throws Exception {
        var plan = new RestorePlan(snap1, List.of(l0.get(0)), new RestoreTarget.AtTime(Instant.ofEpochMilli(History.time(1))),
                Long.MAX_VALUE, History.time(1), Granularity.TRANSACTION, OptionalLong.empty(), "hand-made");
        RestoreResult r = Restorer.restore(h.replica, plan, new Options(out, false, IntegrityCheck.QUICK, null));
        assertEquals(1, r.txid());
        assertArrayEquals(h.images.get(1), Files.readAllBytes(out));
    }

    @Test
    void pagesNoRecordWroteAfterGrowthAreZeros() throws Exception {
        byte[] base = h.images.get(10);
        int n = h.dbSize(10);
        byte[] shrunk = java.util.Arrays.copyOf(base, (n - 2) * 1024);
        byte[] grown = java.util.Arrays.copyOf(shrunk, n * 1024); // page n-1 zero, page n written
        java.util.Arrays.fill(grown, (n - 1) * 1024, n * 1024, (byte) 7);
        h.commitImage(shrunk);
        h.commitImage(grown);
        FileInfo seg = h.segment(0, 11, 12, false);
        RestorePlan plan = RestorePlanner.plan(h.replica.listFiles(), new RestoreTarget.AtTxid(12), NOW);
        assertEquals(seg, plan.segments().get(plan.segments().size() - 1));
        Restorer.restore(h.replica, plan, new Options(out, false, IntegrityCheck.NONE, null));
        assertArrayEquals(grown, Files.readAllBytes(out));
    }

    @Test
    void corruptMiddleSegmentFailsNamingItAndLeavesTheOutputAlone() throws Exception {
        Files.writeString(out, "previous contents");
        FileInfo middle = l0.get(1);
        Path p = h.pathOf(middle);
        byte[] b = Files.readAllBytes(p);
        b[b.length / 2] ^= 0x40;
        Files.write(p, b);
        var e = assertThrows(RestoreException.class, () -> restore(new RestoreTarget.Latest(), true));
        assertEquals(Kind.CORRUPT, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(middle.name()), e.getMessage());
        assertEquals("previous contents", Files.readString(out));
        assertEquals(List.of("restored.db"), outDirListing());
    }

    @Test
    void wrongDatabaseChecksumNamesTheObjectAndTxid() throws Exception {
        h.commit("INSERT INTO t(v) VALUES ('x');");
        FileInfo bad = h.write(SegmentHeader.segment(0, false, 1024, 11, 11, History.time(11), History.time(11)),
                w -> h.record(w, 11, h.images.get(10), h.images.get(11), 12345));
        var e = assertThrows(RestoreException.class, () -> restore(new RestoreTarget.Latest(), false));
        assertEquals(Kind.CHECKSUM_MISMATCH, e.kind());
        assertTrue(e.getMessage().contains("after txid 11 of " + bad.name()), e.getMessage());
        assertFalse(Files.exists(out));
        assertEquals(List.of(), outDirListing());
    }

    @Test
    void existingOutputIsRefusedBeforeAnythingIsRead() throws Exception {
        Files.writeString(out, "keep me");
        var opens = new AtomicInteger();
        ReplicaClient counting = new CountingReplica(h.replica, opens);
        RestorePlan plan = RestorePlanner.plan(h.replica.listFiles(), new RestoreTarget.Latest(), NOW);
        var e = assertThrows(RestoreException.class, () -> Restorer.restore(counting, plan,
                new Options(out, false, IntegrityCheck.QUICK, null)));
        assertEquals(Kind.OUTPUT_EXISTS, e.kind());
        assertEquals(out.toAbsolutePath() + " exists; pass --force to overwrite it", e.getMessage());
        assertEquals(0, opens.get());
        assertEquals("keep me", Files.readString(out));

        // with force the stale WAL and shared memory go too: SQLite would replay that WAL into the new file
        Files.writeString(outDir.resolve("restored.db-wal"), "stale wal");
        Files.writeString(outDir.resolve("restored.db-shm"), "stale shm");
        Restorer.restore(counting, plan, new Options(out, true, IntegrityCheck.QUICK, null));
        assertArrayEquals(h.images.get(10), Files.readAllBytes(out));
        assertEquals(List.of("restored.db"), outDirListing());
    }

    @Test
    void sqliteIntegrityFailureIsLoudAndLeavesNothing() throws Exception {
        byte[] broken = h.images.get(10).clone();
        java.util.Arrays.fill(broken, 1024, 2048, (byte) 0xA5); // page 2: a b-tree page no longer
        h.commitImage(broken);
        h.segment(0, 11, 11, false);
        var e = assertThrows(RestoreException.class, () -> restore(new RestoreTarget.Latest(), false));
        assertEquals(Kind.INTEGRITY_CHECK_FAILED, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("at txid 11"), e.getMessage());
        assertEquals(List.of(), outDirListing());
    }

    @Test
    void walModeDatabasePassesTheCheckUntouched() throws Exception {
        var wal = new History(Files.createDirectories(tmp.resolve("wal")), 4096);
        wal.commit("PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t(x)" + rows(50, 100));
        wal.commit("INSERT INTO t(x)" + rows(500, 100));
        assertEquals(2, wal.images.get(2)[18], "the source is in WAL mode");
        wal.snapshot(1);
        wal.segment(0, 2, 2, true);
        RestorePlan plan = RestorePlanner.plan(wal.replica.listFiles(), new RestoreTarget.Latest(), NOW);
        Restorer.restore(wal.replica, plan, new Options(out, false, IntegrityCheck.FULL, null));
        assertArrayEquals(wal.images.get(2), Files.readAllBytes(out));
        assertEquals(List.of("restored.db"), outDirListing());
    }

    @Test
    void pageSizeChangeWithoutSnapshotIsAnError() throws Exception {
        var other = new History(Files.createDirectories(tmp.resolve("other")), 512);
        for (int i = 1; i <= 11; i++) other.commitImage(new byte[512 * i]);
        // a snapshot in 1024-byte pages followed by a segment in 512-byte pages
        FileInfo seg = other.segment(0, 11, 11, false);
        h.replica.upload(seg, other.pathOf(seg));
        var plan = new RestorePlan(h.snapshot(10), List.of(seg), new RestoreTarget.Latest(), Long.MAX_VALUE,
                Long.MAX_VALUE, Granularity.TRANSACTION, OptionalLong.empty(), "hand-made");
        var e = assertThrows(RestoreException.class, () -> Restorer.restore(h.replica, plan,
                new Options(out, false, IntegrityCheck.QUICK, null)));
        assertEquals(Kind.CORRUPT, e.kind());
        assertTrue(e.getMessage().contains("page size 512"), e.getMessage());
        assertEquals(List.of(), outDirListing());
    }

    @Test
    void progressIsQuietForASecondThenAtMostOncePerSecond() {
        var lines = new ArrayList<String>();
        long s = 1_000_000_000L;
        var p = new Progress(lines::add, 512L << 20, 9, 0);
        p.update(10L << 20, 1, s / 2);
        assertEquals(List.of(), lines);
        p.update(215L << 20, 3, s + 1);
        p.update(216L << 20, 3, s + s / 2);
        p.update(300L << 20, 4, 2 * s + 2);
        assertEquals(List.of("restore: 41% (215/512 MiB, file 3/9)", "restore: 58% (300/512 MiB, file 4/9)"), lines);
        new Progress(null, 0, 1, 0).update(1, 1, 5 * s); // silent without a sink
        assertEquals("restore: 0 MiB read, file 1/2", new Progress(lines::add, 0, 2, 0).line(5, 1));
    }

    /** Delegates to a real replica and counts how often a file is opened. */
    record CountingReplica(ReplicaClient inner, AtomicInteger opens) implements ReplicaClient {
        public String url() { return inner.url(); }
        public List<FileInfo> listFiles() throws IOException { return inner.listFiles(); }
        public InputStream open(FileInfo file) throws IOException {
            opens.incrementAndGet();
            return inner.open(file);
        }
        public void upload(FileInfo file, Path local) throws IOException { inner.upload(file, local); }
        public void delete(Collection<FileInfo> files) throws IOException { inner.delete(files); }
        public Optional<byte[]> readObject(String name) throws IOException { return inner.readObject(name); }
        public void writeObject(String name, byte[] data) throws IOException { inner.writeObject(name, data); }
        public Optional<Versioned> readVersioned(String name) throws IOException { return inner.readVersioned(name); }
        public String writeIf(String name, byte[] data, String expected) throws IOException {
            return inner.writeIf(name, data, expected);
        }
        public void close() throws IOException { inner.close(); }
    }
}
