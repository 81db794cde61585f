package dev.walship.replica.gcs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.replica.PreconditionFailedException;
import dev.walship.replica.ReplicaClient;
import dev.walship.restore.RestorePlan;
import dev.walship.restore.RestorePlanner;
import dev.walship.restore.RestoreResult;
import dev.walship.restore.RestoreTarget;
import dev.walship.restore.Restorer;
import dev.walship.segment.DbChecksum;
import dev.walship.segment.FileInfo;
import dev.walship.segment.SegmentHeader;
import dev.walship.segment.SegmentWriter;
import dev.walship.segment.TxnHeader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only GCS has: resumable uploads, generations, its error shapes, the client's retries. */
class GcsReplicaTest {
    static final String BUCKET = "walship-gcs";
    /** Short budgets so that failure tests stay fast; retries themselves still happen. */
    static final GcsReplica.Settings FAST = new GcsReplica.Settings(Duration.ofSeconds(3), Duration.ofMillis(50),
            Duration.ofMillis(400), Duration.ofSeconds(1), Duration.ofSeconds(2), 6);

    static FakeGcsServer server;

    @TempDir Path tmp;
    String prefix;
    GcsReplica replica;

    @BeforeAll
    static void startServer() throws IOException {
        server = FakeGcsServer.start();
        server.createBucket(BUCKET);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) server.close();
    }

    @BeforeEach
    void open() throws IOException {
        prefix = "t-" + UUID.randomUUID();
        replica = GcsReplica.create(BUCKET, prefix, Optional.empty(), Optional.of(server.endpoint()), FAST);
    }

    @AfterEach
    void close() throws IOException {
        server.failNext(0, 503);
        server.dropNext(0);
        server.dropAnswerNext(0);
        server.delayNext(0, Duration.ZERO);
        replica.close();
        assertEquals(List.of(), server.unknownRequests(), "requests the test server does not implement");
    }

    private List<String> requestsSince(int mark) {
        List<String> all = server.requests();
        return all.subList(mark, all.size());
    }

    private static byte[] sha256(InputStream in) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        return md.digest();
    }

    @Test
    void fortyMebibytesGoThroughAResumableSessionAndRoundTrip() throws Exception {
        Path big = tmp.resolve("big.snap");
        byte[] block = new byte[1 << 20];
        Random r = new Random(42);
        try (OutputStream out = Files.newOutputStream(big)) {
            for (int i = 0; i < 40; i++) {
                r.nextBytes(block);
                out.write(block);
            }
        }
        FileInfo f = FileInfo.snapshot(7, 7000, -1);
        int mark = server.requests().size();
        long putsBefore = replica.counters().put.get();
        replica.upload(f, big);
        List<String> reqs = requestsSince(mark);
        assertTrue(reqs.stream().anyMatch(s -> s.startsWith("POST /upload/") && s.contains("uploadType=resumable")),
                "initiates a resumable session: " + reqs);
        long chunks = reqs.stream().filter(s -> s.startsWith("PUT /upload/") && s.contains("upload_id=")).count();
        assertEquals(3, chunks, "40 MiB in 16 MiB chunks: " + reqs);
        assertEquals(4, replica.counters().put.get() - putsBefore, "the session start and three chunks");

        assertEquals(List.of(f.withSize(40L << 20)), replica.listFiles());
        byte[] expected;
        try (InputStream in = Files.newInputStream(big)) {
            expected = sha256(in);
        }
        try (InputStream in = replica.open(f)) {
            assertArrayEquals(expected, sha256(in));
        }
    }

    @Test
    void conditionalWritesRaceAndFenceStaleGenerations() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                byte[] body = ("writer " + i).getBytes(StandardCharsets.UTF_8);
                results.add(pool.submit(() -> {
                    go.await();
                    try {
                        return replica.writeIf("lease.json", body, null);
                    } catch (PreconditionFailedException e) {
                        assertTrue(e.getMessage().contains(replica.url()), e.getMessage());
                        return null;
                    }
                }));
            }
            go.countDown();
            List<String> won = new ArrayList<>();
            for (Future<String> f : results) {
                String v = f.get(20, TimeUnit.SECONDS);
                if (v != null) won.add(v);
            }
            assertEquals(1, won.size(), "exactly one doesNotExist write wins");
            ReplicaClient.Versioned current = replica.readVersioned("lease.json").orElseThrow();
            assertEquals(won.get(0), current.version(), "the version is the object's generation");
            assertEquals(Long.toString(server.object(BUCKET, prefix + "/lease.json").orElseThrow().generation()),
                    current.version());

            String next = replica.writeIf("lease.json", "renewed".getBytes(StandardCharsets.UTF_8), current.version());
            assertTrue(Long.parseLong(next) > Long.parseLong(current.version()), "generations increase");
            PreconditionFailedException stale = assertThrows(PreconditionFailedException.class,
                    () -> replica.writeIf("lease.json", "late".getBytes(StandardCharsets.UTF_8), current.version()));
            assertTrue(stale.getMessage().contains(replica.url() + "/lease.json"), stale.getMessage());
            assertThrows(PreconditionFailedException.class,
                    () -> replica.writeIf("lease.json", new byte[] {1}, "not-a-generation"));
            assertArrayEquals("renewed".getBytes(StandardCharsets.UTF_8), replica.readObject("lease.json").orElseThrow());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aConditionalCreateWhoseAnswerWasLostStillCountsAsWon() throws Exception {
        // the write is stored, its answer dropped; the client's retry then meets ifGenerationMatch=0 -> 412
        server.dropAnswerNext(1);
        String v = replica.writeIf("lease.json", "mine".getBytes(StandardCharsets.UTF_8), null);
        assertEquals(Long.toString(server.object(BUCKET, prefix + "/lease.json").orElseThrow().generation()), v);
        // someone else's object is still a loss
        assertThrows(PreconditionFailedException.class, () -> replica.writeIf("lease.json", new byte[] {2}, null));
    }

    @Test
    void aMissingBucketIsNamed() throws IOException {
        try (GcsReplica r = GcsReplica.create("no-such-bucket", "p", Optional.empty(), Optional.of(server.endpoint()), FAST)) {
            IOException list = assertThrows(IOException.class, r::listFiles);
            assertTrue(list.getMessage().contains("bucket no-such-bucket does not exist"), list.getMessage());
            assertTrue(list.getMessage().startsWith("list gs://no-such-bucket/p"), list.getMessage());
            Path f = Files.write(tmp.resolve("x"), new byte[] {1});
            IOException up = assertThrows(IOException.class, () -> r.upload(FileInfo.snapshot(1, 1, -1), f));
            assertTrue(up.getMessage().contains("no-such-bucket does not exist"), up.getMessage());
            IOException read = assertThrows(IOException.class, () -> r.readObject("walship-replica.json"));
            assertTrue(read.getMessage().contains("no-such-bucket does not exist"), read.getMessage());
            IOException open = assertThrows(IOException.class, () -> r.open(FileInfo.snapshot(1, 1, -1)));
            assertFalse(open instanceof NoSuchFileException, "a missing bucket is not a missing file");
        }
    }

    @Test
    void twoServiceUnavailableAnswersAreRetriedAndCounted() throws Exception {
        replica.writeObject("walship-replica.json", "{}".getBytes(StandardCharsets.UTF_8));
        long gets = replica.counters().get.get();
        server.failNext(2, 503);
        assertArrayEquals("{}".getBytes(StandardCharsets.UTF_8), replica.readObject("walship-replica.json").orElseThrow());
        assertEquals(3, replica.counters().get.get() - gets, "two failed attempts and the one that worked");

        long puts = replica.counters().put.get();
        server.failNext(2, 503);
        Path f = Files.write(tmp.resolve("seg"), new byte[] {1, 2, 3});
        replica.upload(FileInfo.segment(0, 1, 1, 1, 1, -1), f);
        assertTrue(replica.counters().put.get() - puts >= 4, "retried upload requests are counted");
        assertEquals(List.of(FileInfo.segment(0, 1, 1, 1, 1, 3)), replica.listFiles());
    }

    @Test
    void anOutageLongerThanTheRetryBudgetSurfaces() {
        server.failNext(1000, 503);
        long t0 = System.nanoTime();
        IOException e = assertThrows(IOException.class, replica::listFiles);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(e.getMessage().contains("503"), e.getMessage());
        assertTrue(e.getMessage().contains(replica.url()), e.getMessage());
        assertTrue(ms < 10_000, "bounded by the retry budget, took " + ms + " ms");
    }

    @Test
    void droppedConnectionsAndSlowAnswersAreRetried() throws Exception {
        replica.writeObject("m.json", new byte[] {7});
        server.dropNext(1);
        assertArrayEquals(new byte[] {7}, replica.readObject("m.json").orElseThrow());
        long gets = replica.counters().get.get();
        server.delayNext(1, Duration.ofMillis(2500)); // longer than the 2 s read timeout
        assertArrayEquals(new byte[] {7}, replica.readObject("m.json").orElseThrow());
        assertEquals(2, replica.counters().get.get() - gets, "the timed-out attempt and the retry");
    }

    @Test
    void forbiddenAndUnauthorizedSayWhatToCheck() {
        server.failNext(1, 403);
        IOException e = assertThrows(IOException.class, replica::listFiles);
        assertTrue(e.getMessage().contains("403") && e.getMessage().contains("roles/storage.objectAdmin")
                && e.getMessage().contains("gs://" + BUCKET + "/" + prefix), e.getMessage());
        server.failNext(1, 401);
        e = assertThrows(IOException.class, () -> replica.readObject("x"));
        assertTrue(e.getMessage().contains("401") && e.getMessage().contains("credentials"), e.getMessage());
    }

    @Test
    void anEndpointThatDoesNotAnswerIsNamed() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String endpoint = "http://127.0.0.1:" + port;
        try (GcsReplica r = GcsReplica.create(BUCKET, "p", Optional.empty(), Optional.of(endpoint), FAST)) {
            IOException e = assertThrows(IOException.class, r::listFiles);
            assertTrue(e.getMessage().contains("endpoint " + endpoint + " does not answer"), e.getMessage());
            assertTrue(e.getMessage().startsWith("list gs://" + BUCKET + "/p"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line");
        }
    }

    @Test
    void listingFollowsPageTokens() throws IOException {
        int n = 2345;
        for (int i = 1; i <= n; i++) {
            server.putObject(BUCKET, prefix + "/" + FileInfo.segment(0, i, i, i, i, -1).name(), new byte[i % 7]);
        }
        server.putObject(BUCKET, prefix + "x/L0/" + FileInfo.segment(0, 1, 1, 1, 1, -1).name(), new byte[1]); // a sibling prefix
        long lists = replica.counters().list.get();
        List<FileInfo> files = replica.listFiles();
        assertEquals(n, files.size());
        assertEquals(3, replica.counters().list.get() - lists, "pages of 1000");
        for (FileInfo f : files) assertEquals(f.maxTxid() % 7, f.size());
    }

    @Test
    void openStreamsObjectsLargerThanOneReadChunk() throws Exception {
        byte[] content = new byte[5 * 1024 * 1024 + 17]; // more than one 2 MiB read chunk
        new Random(3).nextBytes(content);
        FileInfo f = FileInfo.segment(1, 1, 9, 1, 9, -1);
        replica.upload(f, Files.write(tmp.resolve("s"), content));
        try (InputStream in = replica.open(f)) {
            assertArrayEquals(content, in.readAllBytes());
        }
        assertThrows(NoSuchFileException.class, () -> replica.open(FileInfo.segment(1, 10, 19, 1, 9, -1)));
    }

    /** A snapshot and an L0 segment built from a database that python3's sqlite3 wrote, restored from GCS. */
    @Test
    void aReplicaWrittenThroughGcsRestores() throws Exception {
        int pageSize = 4096;
        Path db = tmp.resolve("source.db");
        sqlite(db, "PRAGMA page_size=4096; PRAGMA journal_mode=DELETE; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);"
                + " WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i < 500)"
                + " INSERT INTO t(v) SELECT hex(randomblob(40)) FROM s;");
        byte[] v1 = Files.readAllBytes(db);
        sqlite(db, "UPDATE t SET v = 'changed' WHERE id % 50 = 0; INSERT INTO t(v) VALUES ('last');");
        byte[] v2 = Files.readAllBytes(db);
        long t1 = System.currentTimeMillis() - 60_000;
        long t2 = t1 + 1000;

        SegmentHeader sh = SegmentHeader.snapshot(true, pageSize, 1, t1);
        write(sh, w -> {
            int pages = v1.length / pageSize;
            w.beginTxn(new TxnHeader(1, t1, pages, pages));
            for (int p = 1; p <= pages; p++) w.page(p, v1, (p - 1) * pageSize);
            w.endTxn(checksum(v1, pageSize));
        });
        SegmentHeader seg = SegmentHeader.segment(0, false, pageSize, 2, 2, t2, t2);
        write(seg, w -> {
            int pages = v2.length / pageSize;
            List<Integer> changed = new ArrayList<>();
            for (int p = 1; p <= pages; p++) {
                int off = (p - 1) * pageSize;
                if (off + pageSize > v1.length || !Arrays.equals(v1, off, off + pageSize, v2, off, off + pageSize)) {
                    changed.add(p);
                }
            }
            w.beginTxn(new TxnHeader(2, t2, pages, changed.size()));
            for (int p : changed) w.page(p, v2, (p - 1) * pageSize);
            w.endTxn(checksum(v2, pageSize));
        });

        Path out = tmp.resolve("restored.db");
        RestorePlan plan = RestorePlanner.plan(replica.url(), replica.listFiles(), new RestoreTarget.Latest(),
                System.currentTimeMillis());
        RestoreResult r = Restorer.restore(replica, plan, new Restorer.Options(out, false, Restorer.IntegrityCheck.FULL, null));
        assertEquals(2, r.txid());
        assertEquals(2, r.filesRead());
        assertArrayEquals(v2, Files.readAllBytes(out));

        Path older = tmp.resolve("older.db");
        RestorePlan p1 = RestorePlanner.plan(replica.url(), replica.listFiles(), new RestoreTarget.AtTxid(1),
                System.currentTimeMillis());
        Restorer.restore(replica, p1, new Restorer.Options(older, false, Restorer.IntegrityCheck.QUICK, null));
        assertArrayEquals(v1, Files.readAllBytes(older));
        assertNotEquals(0, replica.counters().get.get());
    }

    interface Body {
        void write(SegmentWriter w) throws IOException;
    }

    private void write(SegmentHeader h, Body body) throws IOException {
        Path local = Files.createTempFile(tmp, "seg", ".tmp");
        try (OutputStream out = Files.newOutputStream(local); SegmentWriter w = SegmentWriter.create(out, h)) {
            body.write(w);
            w.finish();
        }
        replica.upload(h.toFileInfo(Files.size(local)), local);
    }

    private static long checksum(byte[] img, int pageSize) {
        DbChecksum c = new DbChecksum(pageSize);
        c.resize(img.length / pageSize);
        for (int p = 1; p <= img.length / pageSize; p++) c.setPage(p, img, (p - 1) * pageSize);
        return c.value();
    }

    private static void sqlite(Path db, String sql) throws Exception {
        Process p = new ProcessBuilder("python3", "-c",
                "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nc.executescript(sys.argv[2])\nc.commit()\nc.close()",
                db.toString(), sql).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "python3 finished");
        assertEquals(0, p.exitValue(), "python3 sqlite3 failed: " + out);
    }
}
