package dev.walship.replica.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.config.ReplicaSpec;
import dev.walship.config.ReplicaUrls;
import dev.walship.replica.PreconditionFailedException;
import dev.walship.replica.ReplicaClient;
import dev.walship.replica.ReplicaContractTest;
import dev.walship.replica.ReplicaFactory;
import dev.walship.restore.RestorePlan;
import dev.walship.restore.RestorePlanner;
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
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The replica contract, and the S3-specific behaviour, against S3Proxy running as a separate process with SigV4
 * authentication (the closest to a real deployment these machines allow).
 */
class S3ProxyReplicaContractTest extends ReplicaContractTest {
    static final String BUCKET = "walship-replicas";

    @TempDir
    static Path serverDir;

    static S3ProxyServer server;
    static S3Client admin;

    @BeforeAll
    static void startS3Proxy() throws Exception {
        server = S3ProxyServer.start(serverDir);
        admin = S3Support.client(server.endpoint, S3ProxyServer.IDENTITY, S3ProxyServer.CREDENTIAL);
        admin.createBucket(b -> b.bucket(BUCKET));
    }

    @AfterAll
    static void stopS3Proxy() throws Exception {
        if (admin != null) admin.close();
        if (server != null) server.close();
    }

    static ReplicaSpec spec(String bucket, String prefix, URI endpoint, String secret) {
        return ReplicaSpec.s3(new ReplicaSpec.S3(bucket, prefix, endpoint, null, true, null, null,
                S3ProxyServer.IDENTITY, secret));
    }

    @Override
    protected ReplicaClient newClient(String uniquePrefix) {
        return S3Replica.create(spec(BUCKET, uniquePrefix, server.endpoint, S3ProxyServer.CREDENTIAL));
    }

    @Override
    protected Set<String> secrets() {
        return Set.of(S3ProxyServer.CREDENTIAL);
    }

    private S3Replica s3() {
        return (S3Replica) client;
    }

    // ---- S3-specific -------------------------------------------------------------------------------

    @Test
    void urlNamesBucketPrefixAndEndpoint() {
        assertTrue(client.url().matches("s3://" + BUCKET + "/contract-[0-9a-f-]+\\?endpoint=" + server.endpoint),
                client.url());
    }

    @Test
    void multipartUploadOf70MiBRoundTrips() throws Exception {
        Path big = local.resolve("big");
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        Random random = new Random(70);
        byte[] chunk = new byte[1024 * 1024];
        try (OutputStream out = Files.newOutputStream(big)) {
            for (int i = 0; i < 70; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
                expected.update(chunk);
            }
        }
        long size = 70L * 1024 * 1024;
        assertTrue(size > S3Replica.MULTIPART_THRESHOLD);
        FileInfo f = FileInfo.snapshot(42, 42_000, -1);
        S3Replica.Snapshot before = s3().counters().snapshot();
        client.upload(f, big);
        // create + 5 parts of 16 MiB (the last 6 MiB) + complete
        assertEquals(before.put() + 7, s3().counters().snapshot().put());
        assertEquals(List.of(f.withSize(size)), client.listFiles());
        MessageDigest actual = MessageDigest.getInstance("SHA-256");
        try (InputStream in = client.open(f)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) actual.update(buf, 0, n);
        }
        assertArrayEquals(expected.digest(), actual.digest());
        // no multipart upload is left open
        assertTrue(admin.listMultipartUploads(b -> b.bucket(BUCKET)).uploads().isEmpty());
    }

    @Test
    void wrongSecretSaysCheckCredentialsWithoutTheSecret() {
        String wrong = "WrongSecret-9f8e7d6c5b4a";
        try (ReplicaClient bad = S3Replica.create(spec(BUCKET, "x", server.endpoint, wrong))) {
            IOException e = assertThrows(IOException.class, bad::listFiles);
            assertTrue(e.getMessage().contains("check the replica's credentials"), e.getMessage());
            assertTrue(e.getMessage().startsWith("replica " + bad.url() + ": "), e.getMessage());
            assertFalse(e.getMessage().contains(wrong), e.getMessage());
            assertFalse(bad.url().contains(wrong));
            IOException u = assertThrows(IOException.class, () -> bad.upload(l0(1, 1), localFile(new byte[10])));
            assertTrue(u.getMessage().contains("credentials"), u.getMessage());
            assertFalse(u.getMessage().contains(wrong), u.getMessage());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void missingBucketIsNamed() throws IOException {
        try (ReplicaClient none = S3Replica.create(spec("no-such-bucket-here", "app", server.endpoint,
                S3ProxyServer.CREDENTIAL))) {
            IOException e = assertThrows(IOException.class, none::listFiles);
            assertTrue(e.getMessage().contains("bucket no-such-bucket-here does not exist: create it or fix the"
                    + " replica URL"), e.getMessage());
            IOException w = assertThrows(IOException.class, () -> none.writeObject("m", new byte[] {1}));
            assertTrue(w.getMessage().contains("bucket no-such-bucket-here does not exist"), w.getMessage());
        }
    }

    @Test
    void endpointWithNothingListeningDoesNotAnswer() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        URI dead = URI.create("http://127.0.0.1:" + port);
        try (ReplicaClient c = S3Replica.create(spec(BUCKET, "app", dead, S3ProxyServer.CREDENTIAL))) {
            IOException e = assertThrows(IOException.class, c::listFiles);
            assertTrue(e.getMessage().contains("endpoint " + dead + " does not answer"), e.getMessage());
            assertTrue(e.getMessage().endsWith("check endpoint and network"), e.getMessage());
        }
    }

    @Test
    void httpsToAPlainHttpStoreIsATlsFailure() throws IOException {
        URI https = URI.create(server.endpoint.toString().replace("http://", "https://"));
        try (ReplicaClient c = S3Replica.create(spec(BUCKET, "app", https, S3ProxyServer.CREDENTIAL))) {
            IOException e = assertThrows(IOException.class, c::listFiles);
            assertTrue(e.getMessage().contains("TLS failure talking to " + https), e.getMessage());
        }
    }

    @Test
    void conditionalWritesUseEtags() throws IOException {
        assertEquals(Optional.empty(), client.readVersioned("lease.json"));
        String v1 = client.writeIf("lease.json", bytes("one"), null);
        assertThrows(PreconditionFailedException.class, () -> client.writeIf("lease.json", bytes("two"), null),
                "If-None-Match: * on an existing object");
        ReplicaClient.Versioned read = client.readVersioned("lease.json").orElseThrow();
        assertArrayEquals(bytes("one"), read.data());
        assertEquals(v1, read.version());
        String v2 = client.writeIf("lease.json", bytes("three"), v1);
        assertNotEquals(v1, v2);
        PreconditionFailedException stale = assertThrows(PreconditionFailedException.class,
                () -> client.writeIf("lease.json", bytes("four"), v1), "If-Match with a stale ETag");
        assertTrue(stale.getMessage().contains(client.url()), stale.getMessage());
        assertArrayEquals(bytes("three"), client.readObject("lease.json").orElseThrow());
        assertEquals(v2, client.readVersioned("lease.json").orElseThrow().version());
    }

    @Test
    void racingCreatorsExactlyOneWins() throws Exception {
        String prefix = "race-" + System.nanoTime();
        int writers = 4;
        List<S3Replica> replicas = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            for (int i = 0; i < writers; i++) {
                replicas.add(S3Replica.create(spec(BUCKET, prefix, server.endpoint, S3ProxyServer.CREDENTIAL)));
            }
            for (int round = 0; round < 5; round++) {
                String name = "lease-" + round;
                CyclicBarrier start = new CyclicBarrier(writers);
                List<Callable<String>> jobs = new ArrayList<>();
                for (int i = 0; i < writers; i++) {
                    S3Replica r = replicas.get(i);
                    byte[] data = bytes("writer " + i);
                    jobs.add(() -> {
                        start.await();
                        return r.writeIf(name, data, null);
                    });
                }
                int won = 0;
                int lost = 0;
                for (Future<String> f : pool.invokeAll(jobs)) {
                    try {
                        assertFalse(f.get().isEmpty());
                        won++;
                    } catch (ExecutionException e) {
                        assertInstanceOf(PreconditionFailedException.class, e.getCause());
                        lost++;
                    }
                }
                assertEquals(1, won, "round " + round);
                assertEquals(writers - 1, lost, "round " + round);
                String content = new String(replicas.get(0).readObject(name).orElseThrow(), StandardCharsets.UTF_8);
                assertTrue(content.startsWith("writer "), content);
            }
        } finally {
            pool.shutdownNow();
            for (S3Replica r : replicas) r.close();
        }
    }

    @Test
    void requestCountersCountWhatHappened() throws IOException {
        S3Replica r = s3();
        assertEquals(new S3Replica.Snapshot(0, 0, 0, 0, 0), r.counters().snapshot());
        FileInfo f = upload(l0(1, 3), bytes(100, 1));            // PUT
        client.writeObject("walship-replica.json", bytes("{}")); // PUT
        assertEquals(1, client.listFiles().size());              // LIST
        assertEquals(100, read(f).length);                       // GET
        client.readObject("walship-replica.json");               // GET
        client.readObject("missing.json");                       // GET (404)
        client.delete(List.of(f));                               // DELETE
        r.check();                                               // HEAD
        assertEquals(new S3Replica.Snapshot(2, 3, 1, 1, 1), r.counters().snapshot());
    }

    @Test
    void deleteSendsAtMost1000KeysPerRequest() throws IOException {
        List<FileInfo> files = new ArrayList<>();
        for (int i = 1; i <= 2500; i++) files.add(l0(i, i));
        FileInfo kept = upload(l0(3000, 3000), bytes(3, 3));
        FileInfo gone = upload(l0(7, 7), bytes(3, 4));
        long before = s3().counters().snapshot().delete();
        client.delete(files);
        assertEquals(before + 3, s3().counters().snapshot().delete());
        assertEquals(List.of(kept), client.listFiles());
        assertFalse(listed().containsKey(gone.name()));
    }

    @Test
    void listPagesThroughMoreThanOnePage() throws IOException {
        // S3Proxy pages at 1000 keys; write 1003 tiny objects straight into the bucket (faster than 1003 uploads)
        String prefix = "paged-" + System.nanoTime();
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= 1003; i++) names.add(l0(i, i).name());
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Callable<Void>> jobs = new ArrayList<>();
            for (String n : names) {
                jobs.add(() -> {
                    admin.putObject(b -> b.bucket(BUCKET).key(prefix + "/" + n),
                            software.amazon.awssdk.core.sync.RequestBody.fromBytes(new byte[] {1}));
                    return null;
                });
            }
            for (Future<Void> f : pool.invokeAll(jobs)) f.get();
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError(e);
        } finally {
            pool.shutdownNow();
        }
        try (S3Replica r = S3Replica.create(spec(BUCKET, prefix, server.endpoint, S3ProxyServer.CREDENTIAL))) {
            assertEquals(1003, r.listFiles().size());
            assertEquals(2, r.counters().snapshot().list());
        }
    }

    @Test
    void factoryOpensAnS3ReplicaFromItsUrl() throws Exception {
        // credentials come from the spec only through sidecar.yml's -file keys; here they are added to a parsed URL
        ReplicaSpec parsed = ReplicaUrls.parse("s3://" + BUCKET + "/from-url?endpoint=" + server.endpoint
                + "&checksum=when-required", "k");
        ReplicaSpec spec = ReplicaSpec.s3(parsed.s3().withCredentials(S3ProxyServer.IDENTITY, S3ProxyServer.CREDENTIAL));
        try (ReplicaClient c = ReplicaFactory.open(spec)) {
            assertInstanceOf(S3Replica.class, c);
            c.writeObject("walship-replica.json", bytes("{}"));
            assertArrayEquals(bytes("{}"), admin.getObjectAsBytes(b -> b.bucket(BUCKET)
                    .key("from-url/walship-replica.json")).asByteArray());
        }
    }

    @Test
    void aReplicaWrittenThroughS3Restores() throws Exception {
        int pageSize = 1024;
        Path db = local.resolve("source.db");
        byte[] first = sqlite(db, "PRAGMA page_size=" + pageSize + "; PRAGMA journal_mode=DELETE;"
                + " CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);"
                + " WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300)"
                + " INSERT INTO t(v) SELECT hex(randomblob(40)) FROM s;");
        byte[] second = sqlite(db, "DELETE FROM t WHERE id % 2 = 0; INSERT INTO t(v) VALUES ('after');");
        long t0 = 1_780_000_000_000L;

        // snapshot at txid 1 with every page
        Path snapFile = local.resolve("snap");
        int n1 = first.length / pageSize;
        DbChecksum sum = new DbChecksum(pageSize);
        sum.resize(n1);
        for (int p = 1; p <= n1; p++) sum.setPage(p, first, (p - 1) * pageSize);
        SegmentHeader sh = SegmentHeader.snapshot(true, pageSize, 1, t0);
        try (OutputStream out = Files.newOutputStream(snapFile); SegmentWriter w = SegmentWriter.create(out, sh)) {
            w.beginTxn(new TxnHeader(1, t0, n1, n1));
            for (int p = 1; p <= n1; p++) w.page(p, first, (p - 1) * pageSize);
            w.endTxn(sum.value());
            w.finish();
        }
        // L0 segment for txid 2 with the pages that changed
        int n2 = second.length / pageSize;
        List<Integer> changed = new ArrayList<>();
        for (int p = 1; p <= n2; p++) {
            int off = (p - 1) * pageSize;
            if (off + pageSize > first.length
                    || !Arrays.equals(first, off, off + pageSize, second, off, off + pageSize)) {
                changed.add(p);
            }
        }
        sum.resize(n2);
        for (int p : changed) sum.setPage(p, second, (p - 1) * pageSize);
        Path segFile = local.resolve("seg");
        SegmentHeader gh = SegmentHeader.segment(0, false, pageSize, 2, 2, t0 + 1000, t0 + 1000);
        try (OutputStream out = Files.newOutputStream(segFile); SegmentWriter w = SegmentWriter.create(out, gh)) {
            w.beginTxn(new TxnHeader(2, t0 + 1000, n2, changed.size()));
            for (int p : changed) w.page(p, second, (p - 1) * pageSize);
            w.endTxn(sum.value());
            w.finish();
        }
        client.upload(sh.toFileInfo(Files.size(snapFile)), snapFile);
        client.upload(gh.toFileInfo(Files.size(segFile)), segFile);

        // restore from a fresh client, as the CLI would
        try (ReplicaClient c = newClient(client.url().replaceAll(".*/(contract-[^?]+).*", "$1"))) {
            RestorePlan plan = RestorePlanner.plan(c.url(), c.listFiles(), new RestoreTarget.Latest(),
                    t0 + 10_000_000);
            Path restored = local.resolve("restored.db");
            Restorer.restore(c, plan, new Restorer.Options(restored, false, Restorer.IntegrityCheck.FULL, null));
            assertArrayEquals(second, Files.readAllBytes(restored));
        }
    }

    /** Runs SQL on the database through python3's sqlite3 and returns the file's bytes afterwards. */
    private static byte[] sqlite(Path db, String sql) throws Exception {
        Process p = new ProcessBuilder("python3", "-c",
                "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nc.executescript(sys.argv[2])\nc.commit()\nc.close()",
                db.toString(), sql).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "python3 sqlite3 failed: " + out);
        return Files.readAllBytes(db);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
