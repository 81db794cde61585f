package dev.walship.restore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.replica.ReplicaClient;
import dev.walship.restore.Restorer.Downloads;
import dev.walship.restore.Restorer.IntegrityCheck;
import dev.walship.restore.Restorer.Options;
import dev.walship.segment.FileInfo;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parallel, resumed downloads: a plan of 12 files (a snapshot at txid 1, then one L0 file per txid 2..12). */
class ParallelRestoreTest {
    static final long NOW = History.BASE + 1_000_000_000L;
    /** No waiting between retries: these tests count, they do not time. */
    static final Downloads FAST = new Downloads(4, 6, Duration.ZERO);

    @TempDir Path tmp;
    History h;
    Path outDir;
    Path out;
    RestorePlan plan;

    @BeforeEach
    void history() throws Exception {
        h = new History(Files.createDirectories(tmp.resolve("work")), 1024);
        var sqls = new ArrayList<String>();
        sqls.add("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t(v)" + RestorerTest.rows(100, 40));
        for (int i = 2; i <= 12; i++) {
            sqls.add(i == 7 ? "DELETE FROM t WHERE id % 2 = 0; VACUUM;" : "INSERT INTO t(v)" + RestorerTest.rows(i * 9, 50));
        }
        h.commitAll(sqls);
        h.snapshot(1);
        for (int x = 2; x <= 12; x++) h.segment(0, x, x, x % 3 == 0);
        outDir = Files.createDirectories(tmp.resolve("out"));
        out = outDir.resolve("restored.db");
        plan = RestorePlanner.plan(h.replica.url(), h.replica.listFiles(), new RestoreTarget.Latest(), NOW);
        assertEquals(12, plan.files().size());
    }

    RestoreResult restore(ReplicaClient r, Downloads d) throws IOException {
        return Restorer.restore(r, plan, new Options(out, true, IntegrityCheck.FULL, null, d));
    }

    List<String> outDirListing() throws IOException {
        try (Stream<Path> s = Files.list(outDir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    long storedBytes() throws IOException {
        return h.replica.listFiles().stream().mapToLong(FileInfo::size).sum();
    }

    @Test
    void parallelAndSequentialRestoresAreIdentical() throws Exception {
        RestoreResult seq = restore(h.replica, FAST.withParallelism(1));
        byte[] seqBytes = Files.readAllBytes(out);
        RestoreResult par = restore(h.replica, FAST);
        assertArrayEquals(seqBytes, Files.readAllBytes(out));
        assertArrayEquals(h.images.get(12), seqBytes);
        assertEquals(seq, par);
        assertEquals(12, par.filesRead());
        assertEquals(storedBytes(), par.bytesRead());
        assertEquals(0, par.resumptions());
        assertEquals(List.of("restored.db"), outDirListing());
    }

    /** Counts the streams open at once; the first open waits (boundedly) for a second one, so overlap is certain if allowed. */
    static final class Concurrency extends DelegatingReplica {
        final AtomicInteger active = new AtomicInteger();
        final AtomicInteger max = new AtomicInteger();
        final CountDownLatch two = new CountDownLatch(2);
        final Set<String> opened = ConcurrentHashMap.newKeySet();

        Concurrency(ReplicaClient inner) {
            super(inner);
        }

        @Override
        public InputStream open(FileInfo file, long offset) throws IOException {
            opened.add(file.name());
            int now = active.incrementAndGet();
            max.accumulateAndGet(now, Math::max);
            two.countDown();
            try {
                two.await(10, TimeUnit.SECONDS); // a sequential restore would wait here once, then show max 1
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            InputStream in;
            try {
                in = inner.open(file, offset);
            } catch (IOException | RuntimeException e) {
                active.decrementAndGet();
                throw e;
            }
            var closed = new AtomicBoolean();
            return new FilterInputStream(in) {
                @Override
                public void close() throws IOException {
                    if (closed.compareAndSet(false, true)) active.decrementAndGet();
                    super.close();
                }
            };
        }
    }

    @Test
    void twelveFilesDownloadWithAtMostFourConcurrentReads() throws Exception {
        var c = new Concurrency(h.replica);
        RestoreResult r = restore(c, FAST);
        assertArrayEquals(h.images.get(12), Files.readAllBytes(out));
        assertEquals(12, c.opened.size());
        assertTrue(c.max.get() > 1, "downloads overlapped: " + c.max.get());
        assertTrue(c.max.get() <= 4, "no more than the parallelism: " + c.max.get());
        assertEquals(0, c.active.get(), "every stream was closed");
        assertEquals(storedBytes(), r.bytesRead());
        assertEquals(List.of("restored.db"), outDirListing());

        var two = new Concurrency(h.replica);
        restore(two, FAST.withParallelism(2));
        assertEquals(2, two.max.get());
        assertArrayEquals(h.images.get(12), Files.readAllBytes(out));
    }

    @Test
    void smallPlansStreamWithoutAPool() throws Exception {
        plan = RestorePlanner.plan(h.replica.url(), h.replica.listFiles(), new RestoreTarget.AtTxid(2), NOW);
        assertEquals(2, plan.files().size());
        var threads = ConcurrentHashMap.<String>newKeySet();
        var r = new DelegatingReplica(h.replica) {
            @Override
            public InputStream open(FileInfo file, long offset) throws IOException {
                threads.add(Thread.currentThread().getName());
                return super.open(file, offset);
            }
        };
        restore(r, FAST);
        assertEquals(Set.of(Thread.currentThread().getName()), threads);
        assertArrayEquals(h.images.get(2), Files.readAllBytes(out));
    }

    /** Every object's first {@code k} connections reset after {@code n} bytes. */
    static final class Dropping extends DelegatingReplica {
        final int n;
        final int k;
        final Map<String, AtomicInteger> opens = new ConcurrentHashMap<>();
        final List<Long> offsets = java.util.Collections.synchronizedList(new ArrayList<>());

        Dropping(ReplicaClient inner, int n, int k) {
            super(inner);
            this.n = n;
            this.k = k;
        }

        @Override
        public InputStream open(FileInfo file, long offset) throws IOException {
            offsets.add(offset);
            InputStream in = inner.open(file, offset);
            int no = opens.computeIfAbsent(file.name(), x -> new AtomicInteger()).incrementAndGet();
            return no <= k ? droppingAfter(in, n) : in;
        }
    }

    @Test
    void droppedDownloadsResumeAndTheResultIsByteForByte() throws Exception {
        for (int parallelism : new int[] {4, 1}) {
            var r = new Dropping(h.replica, 700, 2);
            RestoreResult res = restore(r, FAST.withParallelism(parallelism));
            assertArrayEquals(h.images.get(12), Files.readAllBytes(out), "parallelism " + parallelism);
            assertTrue(res.resumptions() > 0, "parallelism " + parallelism);
            assertEquals(storedBytes(), res.bytesRead(), "bytes that arrived twice are counted once");
            assertTrue(r.offsets.contains(700L) && r.offsets.contains(1400L), "resumed at the offset: " + r.offsets);
            long expected = 0;
            for (FileInfo f : plan.files()) expected += Math.min(2, (f.size() - 1) / 700);
            assertEquals(expected, res.resumptions(), "one resumption per drop");
            assertEquals(List.of("restored.db"), outDirListing());
        }
    }

    /** One object can never be read (open or mid-stream, as chosen); the others are fine. */
    static final class Broken extends DelegatingReplica {
        final FileInfo bad;
        final boolean midStream;
        final AtomicInteger badOpens = new AtomicInteger();

        Broken(ReplicaClient inner, FileInfo bad, boolean midStream) {
            super(inner);
            this.bad = bad;
            this.midStream = midStream;
        }

        @Override
        public InputStream open(FileInfo file, long offset) throws IOException {
            if (!file.equals(bad)) return inner.open(file, offset);
            badOpens.incrementAndGet();
            if (!midStream) throw new IOException("503 Service Unavailable (simulated)");
            return droppingAfter(inner.open(file, offset), 0);
        }
    }

    @Test
    void aDownloadThatKeepsFailingFailsTheRestoreNamingItAndLeavesNoTempFiles() throws Exception {
        Files.writeString(out, "previous contents");
        List<FileInfo> files = plan.files();
        for (FileInfo bad : List.of(files.get(6), files.get(11), files.get(0), files.get(1))) {
            for (boolean midStream : new boolean[] {false, true}) {
                for (int parallelism : new int[] {4, 1}) {
                    String what = bad.name() + (midStream ? " mid-stream" : " at open") + ", parallelism " + parallelism;
                    var r = new Broken(h.replica, bad, midStream);
                    var e = assertThrows(IOException.class, () -> restore(r, FAST.withParallelism(parallelism)), what);
                    assertTrue(e.getMessage().contains(bad.name()), what + ": " + e.getMessage());
                    assertEquals(FAST.attempts(), r.badOpens.get(), what + ": every try was made");
                    assertEquals("previous contents", Files.readString(out), what);
                    assertEquals(List.of("restored.db"), outDirListing(), what);
                }
            }
        }
    }

    @Test
    void aMissingObjectFailsAtOnceNamingIt() throws Exception {
        FileInfo gone = plan.files().get(5);
        h.replica.delete(List.of(gone));
        var e = assertThrows(IOException.class, () -> restore(h.replica, FAST));
        assertTrue(e.getMessage().contains(gone.name() + " is missing from replica"), e.getMessage());
        assertFalse(Files.exists(out));
        assertEquals(List.of(), outDirListing());
    }

    @Test
    void aCorruptPrefetchedFileIsStillCaughtByTheSegmentReader() throws Exception {
        FileInfo middle = plan.files().get(8);
        Path p = h.pathOf(middle);
        byte[] b = Files.readAllBytes(p);
        b[b.length / 2] ^= 0x10;
        Files.write(p, b);
        var e = assertThrows(RestoreException.class, () -> restore(h.replica, FAST));
        assertEquals(RestoreException.Kind.CORRUPT, e.kind());
        assertTrue(e.getMessage().contains(middle.name()), e.getMessage());
        assertEquals(List.of(), outDirListing());
    }

    @Test
    void tempFilesAreOwnerOnlyAndDeletedAsSoonAsTheirFileIsApplied() throws Exception {
        boolean posix = outDir.getFileSystem().supportedFileAttributeViews().contains("posix");
        var seen = new AtomicInteger();
        var modes = ConcurrentHashMap.<String>newKeySet();
        var r = new DelegatingReplica(h.replica) {
            @Override
            public InputStream open(FileInfo file, long offset) throws IOException {
                try (Stream<Path> s = Files.list(outDir)) {
                    List<Path> parts = s.filter(x -> x.getFileName().toString().endsWith(".part")).toList();
                    seen.accumulateAndGet(parts.size(), Math::max);
                    for (Path p : parts) {
                        try {
                            if (posix) modes.add(PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
                        } catch (java.nio.file.NoSuchFileException gone) {
                            // applied and deleted meanwhile
                        }
                    }
                }
                return super.open(file, offset);
            }
        };
        restore(r, FAST.withParallelism(2));
        // at most parallelism ahead plus the one being applied
        assertTrue(seen.get() >= 1 && seen.get() <= 3, "temp downloads at once: " + seen.get());
        if (posix) assertEquals(Set.of("rw-------"), modes);
        assertEquals(List.of("restored.db"), outDirListing());
    }

    @Test
    void downloadsValidateTheirSettings() {
        assertThrows(IllegalArgumentException.class, () -> new Downloads(0, 6, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new Downloads(Downloads.MAX_PARALLELISM + 1, 6, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new Downloads(4, 0, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new Downloads(4, 6, Duration.ofMillis(-1)));
        assertEquals(Downloads.DEFAULTS, new Options(Path.of("x.db"), false, IntegrityCheck.NONE, null).downloads());
        assertEquals(4, Downloads.DEFAULTS.parallelism());
    }
}
