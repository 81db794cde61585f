package dev.walship.replica;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.segment.FileInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every {@link ReplicaClient} backend must show. A backend's test subclasses this and
 * supplies {@link #newClient(String)}; everything here goes through the public interface only, so the
 * same assertions hold for a local directory, S3 and GCS.
 */
public abstract class ReplicaContractTest {

    /** A client on a fresh, empty replica location unique to {@code uniquePrefix}. */
    protected abstract ReplicaClient newClient(String uniquePrefix) throws IOException;

    /**
     * Strings that must never appear in {@link ReplicaClient#url()} or error messages (access keys,
     * secrets, tokens of the backend's configuration). Backends with credentials override this.
     */
    protected Set<String> secrets() {
        return Set.of();
    }

    /** Local scratch space for the files handed to {@link ReplicaClient#upload}. */
    @TempDir
    protected Path local;

    protected ReplicaClient client;

    @BeforeEach
    void openClient() throws IOException {
        client = newClient("contract-" + UUID.randomUUID());
    }

    @AfterEach
    void closeClient() throws IOException {
        if (client != null) client.close();
    }

    // ---- helpers -------------------------------------------------------------------------------------

    protected static FileInfo l0(long min, long max) {
        return FileInfo.segment(0, min, max, 1000 * min, 1000 * max, -1);
    }

    protected Path localFile(byte[] content) throws IOException {
        Path p = local.resolve("up-" + UUID.randomUUID());
        Files.write(p, content);
        return p;
    }

    protected static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    protected FileInfo upload(FileInfo f, byte[] content) throws IOException {
        client.upload(f, localFile(content));
        return f.withSize(content.length);
    }

    protected byte[] read(FileInfo f) throws IOException {
        try (InputStream in = client.open(f)) {
            return in.readAllBytes();
        }
    }

    protected Map<String, FileInfo> listed() throws IOException {
        return client.listFiles().stream().collect(Collectors.toMap(FileInfo::name, f -> f));
    }

    // ---- tests ---------------------------------------------------------------------------------------

    @Test
    void emptyReplicaListsNothing() throws IOException {
        assertEquals(List.of(), client.listFiles());
    }

    @Test
    void uploadThenListReportsTheFileWithItsSize() throws IOException {
        FileInfo seg = l0(1, 5);
        FileInfo snap = FileInfo.snapshot(1, 1000, -1);
        FileInfo l2 = FileInfo.segment(2, 6, 90, 6000, 90_000, -1);
        upload(seg, bytes(1234, 1));
        upload(snap, bytes(77, 2));
        upload(l2, bytes(0, 3));

        Map<String, FileInfo> m = listed();
        assertEquals(Set.of(seg.name(), snap.name(), l2.name()), m.keySet());
        assertEquals(seg.withSize(1234), m.get(seg.name()));
        assertEquals(snap.withSize(77), m.get(snap.name()));
        assertEquals(l2.withSize(0), m.get(l2.name()), "an empty file is listed with size 0");
    }

    @Test
    void openReturnsIdenticalBytes() throws IOException {
        byte[] content = bytes(300_000, 4); // bigger than any single buffer
        FileInfo f = upload(l0(7, 9), content);
        assertArrayEquals(content, read(f));
        // the FileInfo as listed (with size) opens the same object
        assertArrayEquals(content, read(listed().get(f.name())));
    }

    @Test
    void openOfMissingFileThrowsNoSuchFileException() throws IOException {
        FileInfo missing = l0(100, 200);
        assertThrows(NoSuchFileException.class, () -> read(missing));
        // also when other files exist in the same level
        upload(l0(1, 2), bytes(10, 5));
        assertThrows(NoSuchFileException.class, () -> read(missing));
        assertThrows(NoSuchFileException.class, () -> read(FileInfo.snapshot(3, 3, -1)));
    }

    @Test
    void failedUploadLeavesNothingUnderTheName() throws IOException {
        FileInfo f = l0(1, 3);
        // a "local file" that cannot be read (a directory) makes the upload fail after it started
        Path unreadable = Files.createDirectory(local.resolve("not-a-file"));
        assertThrows(IOException.class, () -> client.upload(f, unreadable));
        assertThrows(IOException.class, () -> client.upload(f, local.resolve("does-not-exist")));
        assertEquals(List.of(), client.listFiles(), "nothing (and no temp object) is listed");
        assertThrows(NoSuchFileException.class, () -> read(f));
        // the name is still usable afterwards
        byte[] content = bytes(50, 6);
        upload(f, content);
        assertArrayEquals(content, read(f));
    }

    @Test
    void failedOverwriteKeepsTheOldContent() throws IOException {
        byte[] old = bytes(64, 7);
        FileInfo f = upload(l0(1, 1), old);
        Path unreadable = Files.createDirectory(local.resolve("dir"));
        assertThrows(IOException.class, () -> client.upload(f, unreadable));
        assertArrayEquals(old, read(f), "readers see the whole old file or the whole new one");
        assertEquals(List.of(f), client.listFiles());
    }

    @Test
    void listShowsNoTemporaryObjectsAfterUploads() throws IOException {
        for (int i = 1; i <= 20; i++) upload(l0(i, i), bytes(100 + i, i));
        List<FileInfo> files = client.listFiles();
        assertEquals(20, files.size());
        for (FileInfo f : files) {
            assertEquals(f.maxTxid() + 100, f.size());
            assertEquals(0, f.level());
        }
    }

    @Test
    void uploadOverwritesAnEqualName() throws IOException {
        FileInfo f = l0(5, 6);
        upload(f, bytes(1000, 8));
        byte[] second = bytes(10, 9);
        upload(f, second);
        assertArrayEquals(second, read(f));
        assertEquals(List.of(f.withSize(10)), client.listFiles());
    }

    @Test
    void deleteRemovesPresentFilesAndIgnoresMissingOnes() throws IOException {
        FileInfo a = upload(l0(1, 1), bytes(10, 10));
        FileInfo b = upload(l0(2, 2), bytes(10, 11));
        FileInfo s = upload(FileInfo.snapshot(2, 2000, -1), bytes(10, 12));
        FileInfo neverThere = FileInfo.segment(1, 1, 2, 1000, 2000, -1);   // level with no files at all
        FileInfo missingSnap = FileInfo.snapshot(99, 99, -1);

        client.delete(List.of(a, neverThere, missingSnap));
        assertEquals(Set.of(b.name(), s.name()), listed().keySet());
        assertThrows(NoSuchFileException.class, () -> read(a));

        client.delete(List.of(a, a)); // already gone, twice
        client.delete(List.of());
        client.delete(List.of(b, s));
        assertEquals(List.of(), client.listFiles());
    }

    @Test
    void objectsRoundTripAndMissingIsEmpty() throws IOException {
        assertEquals(Optional.empty(), client.readObject("walship-replica.json"));
        byte[] json = "{\"format\":1}\n".getBytes(StandardCharsets.UTF_8);
        client.writeObject("walship-replica.json", json);
        assertArrayEquals(json, client.readObject("walship-replica.json").orElseThrow());
        byte[] second = "{\"format\":1,\"x\":2}".getBytes(StandardCharsets.UTF_8);
        client.writeObject("walship-replica.json", second);
        assertArrayEquals(second, client.readObject("walship-replica.json").orElseThrow());
        client.writeObject("empty", new byte[0]);
        assertArrayEquals(new byte[0], client.readObject("empty").orElseThrow());
        // metadata objects are not data files
        assertEquals(List.of(), client.listFiles());
    }

    @Test
    void namesThatEscapeTheRootAreRefused() {
        for (String bad : List.of("../x", "../../etc/passwd", "a/../../x", "/etc/passwd", "/tmp/x",
                "with\0nul", "\0")) {
            String shown = bad.replace("\0", "\\0");
            IOException r = assertThrows(IOException.class, () -> client.readObject(bad), "read " + shown);
            assertTrue(r.getMessage().contains(client.url()), "the error names the replica: " + r.getMessage());
            IOException w = assertThrows(IOException.class, () -> client.writeObject(bad, new byte[] {1}),
                    "write " + shown);
            assertTrue(w.getMessage().contains(client.url()), "the error names the replica: " + w.getMessage());
        }
    }

    @Test
    void urlContainsNoSecrets() throws IOException {
        String url = client.url();
        assertFalse(url.isBlank());
        // no user:password@ in an authority
        assertFalse(Pattern.compile("://[^/@]*:[^/@]*@").matcher(url).find(), url);
        for (String word : List.of("secret=", "password=", "token=", "X-Amz-Signature", "X-Goog-Signature")) {
            assertFalse(url.toLowerCase().contains(word.toLowerCase()), url);
        }
        for (String s : secrets()) {
            assertFalse(url.contains(s), "url() leaks a configured secret");
            IOException e = assertThrows(IOException.class, () -> read(l0(1, 1)));
            assertFalse(String.valueOf(e.getMessage()).contains(s), "an error message leaks a configured secret");
        }
    }

    @Test
    void concurrentUploadsFromFourThreads() throws Exception {
        int threads = 4;
        int perThread = 15;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Callable<Void>> jobs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * perThread;
                jobs.add(() -> {
                    for (int i = 1; i <= perThread; i++) {
                        long txid = base + i;
                        upload(l0(txid, txid), bytes((int) txid * 10, txid));
                        // every thread also fights over one shared name
                        upload(FileInfo.snapshot(1, 1000, -1), bytes(4096, 4096));
                    }
                    return null;
                });
            }
            for (Future<Void> f : pool.invokeAll(jobs)) f.get();
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
        List<FileInfo> files = new ArrayList<>(client.listFiles());
        files.sort(Comparator.comparingLong(FileInfo::maxTxid));
        assertEquals(threads * perThread + 1, files.size(), "every upload and no temp object: " + files);
        for (FileInfo f : files) {
            if (f.isSnapshot()) {
                assertArrayEquals(bytes(4096, 4096), read(f));
            } else {
                assertEquals(f.maxTxid() * 10, f.size());
                assertArrayEquals(bytes((int) f.maxTxid() * 10, f.maxTxid()), read(f));
            }
        }
    }

    @Test
    void listIgnoresForeignObjects() throws IOException {
        FileInfo f = upload(l0(1, 2), bytes(5, 13));
        client.writeObject("README.txt", "hello".getBytes(StandardCharsets.UTF_8));
        client.writeObject("L0/garbage.seg", new byte[] {1, 2, 3});
        client.writeObject("L0/notes.txt", new byte[] {1});
        client.writeObject("L3/0000000000000001-0000000000000002-0000000000000001-0000000000000002.seg", new byte[] {1});
        client.writeObject("snapshots/readme", new byte[] {1});
        // right shape, impossible values (min > max)
        client.writeObject("L1/0000000000000009-0000000000000001-0000000000000001-0000000000000002.seg", new byte[] {1});
        client.writeObject("L0/0000000000000001-0000000000000002-0000000000000001-0000000000000002.SEG", new byte[] {1});
        assertEquals(List.of(f), client.listFiles());
    }

    @Test
    void conditionalCreateLetsExactlyOneWriterWin() throws Exception {
        int writers = 4;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
        try {
            java.util.List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            for (int i = 0; i < writers; i++) {
                byte[] body = ("writer-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                results.add(pool.submit(() -> {
                    go.await();
                    try {
                        client.writeIf("lease.json", body, null);
                        return true;
                    } catch (PreconditionFailedException e) {
                        return false;
                    }
                }));
            }
            go.countDown();
            int winners = 0;
            for (var f : results) if (f.get()) winners++;
            org.junit.jupiter.api.Assertions.assertEquals(1, winners, "exactly one conditional create may succeed");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void conditionalReplaceNeedsTheCurrentVersion() throws Exception {
        byte[] a = "a".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] b = "b".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String v1 = client.writeIf("lease.json", a, null);
        ReplicaClient.Versioned read = client.readVersioned("lease.json").orElseThrow();
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, read.data());
        org.junit.jupiter.api.Assertions.assertEquals(v1, read.version());
        String v2 = client.writeIf("lease.json", b, v1);
        org.junit.jupiter.api.Assertions.assertNotEquals(v1, v2);
        org.junit.jupiter.api.Assertions.assertThrows(PreconditionFailedException.class,
                () -> client.writeIf("lease.json", a, v1), "a stale version must lose");
        org.junit.jupiter.api.Assertions.assertThrows(PreconditionFailedException.class,
                () -> client.writeIf("lease.json", a, null), "create must fail when the object exists");
        org.junit.jupiter.api.Assertions.assertArrayEquals(b, client.readVersioned("lease.json").orElseThrow().data());
        org.junit.jupiter.api.Assertions.assertTrue(client.readVersioned("missing.json").isEmpty());
    }

    @Test
    void rangedOpenReturnsTheSuffix() throws IOException {
        byte[] content = bytes(10_000, 42);
        FileInfo f = upload(l0(1, 3), content);
        for (long offset : new long[] {0, 1, 5_000, 9_999, 10_000}) {
            try (java.io.InputStream in = client.open(f, offset)) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(
                        java.util.Arrays.copyOfRange(content, (int) offset, content.length), in.readAllBytes(),
                        "bytes from offset " + offset);
            }
        }
    }
}
