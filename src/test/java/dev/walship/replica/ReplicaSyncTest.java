package dev.walship.replica;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.walship.db.Spool;
import dev.walship.replica.file.FileReplica;
import dev.walship.retention.Retention;
import dev.walship.segment.FileInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplicaSyncTest {

    private static final ReplicaSync.Policy POLICY = new ReplicaSync.Policy(60_000, 3_600_000,
            new Retention.Policy(72 * 3_600_000L, 3_600_000, 24 * 3_600_000L));
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path tmp;

    private Spool spool;
    private Path root;
    private FileReplica replica;

    @BeforeEach
    void setUp() throws IOException {
        spool = new Spool(tmp.resolve("spool"));
        root = tmp.resolve("replica");
        replica = new FileReplica(root);
    }

    private FileInfo spooled(FileInfo info, String content) throws IOException {
        Path t = spool.newTemp(".part");
        Files.writeString(t, content);
        spool.publish(t, info);
        return info.withSize(content.getBytes(StandardCharsets.UTF_8).length);
    }

    /** A client that records the order of uploads. */
    private static class Recording implements ReplicaClient {
        final ReplicaClient inner;
        final List<String> uploads = new CopyOnWriteArrayList<>();

        Recording(ReplicaClient inner) {
            this.inner = inner;
        }

        @Override
        public String url() {
            return inner.url();
        }

        @Override
        public List<FileInfo> listFiles() throws IOException {
            return inner.listFiles();
        }

        @Override
        public InputStream open(FileInfo file) throws IOException {
            return inner.open(file);
        }

        @Override
        public void upload(FileInfo file, Path local) throws IOException {
            uploads.add(file.name());
            inner.upload(file, local);
        }

        @Override
        public void delete(Collection<FileInfo> files) throws IOException {
            inner.delete(files);
        }

        @Override
        public Optional<byte[]> readObject(String name) throws IOException {
            return inner.readObject(name);
        }

        @Override
        public void writeObject(String name, byte[] data) throws IOException {
            inner.writeObject(name, data);
        }

        @Override
        public Optional<Versioned> readVersioned(String name) throws IOException {
            return inner.readVersioned(name);
        }

        @Override
        public String writeIf(String name, byte[] data, String expectedVersion) throws IOException {
            return inner.writeIf(name, data, expectedVersion);
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }

    @Test
    void uploadsSpooledFilesInTxidOrderAndMarksThem() throws IOException {
        // published out of order on purpose
        FileInfo seg3 = spooled(FileInfo.segment(0, 11, 20, 1100, 2000, -1), "c");
        FileInfo snap = spooled(FileInfo.snapshot(1, 100, -1), "snapshot");
        FileInfo seg2 = spooled(FileInfo.segment(0, 6, 10, 600, 1000, -1), "b");
        FileInfo snap10 = spooled(FileInfo.snapshot(10, 1000, -1), "periodic");
        FileInfo seg1 = spooled(FileInfo.segment(0, 2, 5, 200, 500, -1), "a");

        Recording rec = new Recording(replica);
        ReplicaSync sync = ReplicaSync.open("db", rec, spool, POLICY, CLOCK);
        assertFalse(sync.has(seg1));
        assertEquals(0, sync.uploadedTxid.get());

        assertTrue(sync.uploadPending());
        assertNull(sync.lastError());
        assertEquals(List.of(snap.name(), seg1.name(), seg2.name(), snap10.name(), seg3.name()), rec.uploads);
        for (FileInfo f : List.of(snap, seg1, seg2, snap10, seg3)) {
            assertTrue(sync.has(f), f.name());
            assertTrue(sync.index().contains(f), f.name());
        }
        assertEquals(5, sync.uploads.get());
        assertEquals(20, sync.uploadedTxid.get());
        assertEquals(20, sync.index().maxTxid());
        assertTrue(sync.index().hasSnapshot());
        assertEquals("c", new String(Files.readAllBytes(root.resolve(seg3.name())), StandardCharsets.UTF_8));
        assertEquals(5, replica.listFiles().size());
        // the spool keeps its files: removing them is the caller's decision
        assertEquals(5, spool.pending().size());

        // nothing is uploaded twice
        assertTrue(sync.uploadPending());
        assertEquals(5, rec.uploads.size());
        FileInfo seg4 = spooled(FileInfo.segment(0, 21, 21, 2100, 2100, -1), "d");
        assertTrue(sync.uploadPending());
        assertEquals(List.of(seg4.name()), rec.uploads.subList(5, 6));
        assertEquals(21, sync.uploadedTxid.get());
    }

    @Test
    void filesListedAtOpenAreNotUploadedAgain() throws IOException {
        FileInfo seg = spooled(FileInfo.segment(0, 1, 3, 1, 3, -1), "x");
        Path local = tmp.resolve("x");
        Files.writeString(local, "x");
        replica.upload(seg, local);
        Recording rec = new Recording(replica);
        ReplicaSync sync = ReplicaSync.open("db", rec, spool, POLICY, CLOCK);
        assertTrue(sync.has(seg));
        assertEquals(3, sync.uploadedTxid.get());
        assertTrue(sync.uploadPending());
        assertEquals(List.of(), rec.uploads);
    }

    @Test
    void readOnlyReplicaKeepsFilesAndRecoversAfterChmodBack() throws IOException {
        FileInfo seg = spooled(FileInfo.segment(0, 1, 3, 100, 300, -1), "one");
        ReplicaSync sync = ReplicaSync.open("db", replica, spool, POLICY, CLOCK);
        Files.createDirectories(root.resolve("L0"));
        var readOnly = PosixFilePermissions.fromString("r-xr-xr-x");
        Files.setPosixFilePermissions(root.resolve("L0"), readOnly);
        Files.setPosixFilePermissions(root, readOnly);
        try {
            // root (uid 0) ignores permissions: nothing to test there
            boolean chmodBites;
            try {
                Files.delete(Files.createFile(root.resolve("L0").resolve(".probe")));
                chmodBites = false;
            } catch (IOException e) {
                chmodBites = true;
            }
            assumeFalse(!chmodBites, "running as a user that ignores file permissions (root)");

            assertFalse(sync.uploadPending());
            assertTrue(sync.lastError().contains(replica.url()), sync.lastError());
            assertEquals(1, sync.failures.get());
            assertFalse(sync.has(seg));
            assertEquals(List.of(seg), spool.pending().stream().map(Spool.Pending::info).toList());
            assertFalse(sync.uploadPending(), "still failing");
            assertEquals(2, sync.failures.get());
        } finally {
            var rw = PosixFilePermissions.fromString("rwx------");
            Files.setPosixFilePermissions(root, rw);
            Files.setPosixFilePermissions(root.resolve("L0"), rw);
        }
        assertTrue(sync.uploadPending());
        assertNull(sync.lastError());
        assertTrue(sync.has(seg));
        assertEquals(List.of(seg), replica.listFiles());
    }

    /** The same outage without permissions (works as root too): the level directory is blocked by a file. */
    @Test
    void unavailableReplicaKeepsFilesAndRecovers() throws IOException {
        FileInfo seg1 = spooled(FileInfo.segment(0, 1, 3, 100, 300, -1), "one");
        FileInfo seg2 = spooled(FileInfo.segment(0, 4, 4, 400, 400, -1), "two");
        ReplicaSync sync = ReplicaSync.open("db", replica, spool, POLICY, CLOCK);
        Files.createDirectories(root);
        Path blocker = root.resolve("L0");
        Files.writeString(blocker, "not a directory");

        assertFalse(sync.uploadPending());
        assertTrue(sync.lastError().startsWith("upload to " + replica.url()), sync.lastError());
        assertFalse(sync.has(seg1));
        assertFalse(sync.has(seg2));
        assertEquals(0, sync.uploadedTxid.get());
        assertEquals(2, spool.pending().size(), "the files stay in the spool");

        Files.delete(blocker);
        assertTrue(sync.uploadPending());
        assertNull(sync.lastError());
        assertTrue(sync.has(seg1) && sync.has(seg2));
        assertEquals(4, sync.uploadedTxid.get());
        assertEquals(2, replica.listFiles().size());
    }

    @Test
    void manifestIsWrittenOnFirstOpen() throws IOException {
        assertFalse(Files.exists(root.resolve(ReplicaSync.MANIFEST)));
        ReplicaSync.open("db", replica, spool, POLICY, CLOCK);
        byte[] first = replica.readObject(ReplicaSync.MANIFEST).orElseThrow();
        JsonNode n = new ObjectMapper().readTree(first);
        assertEquals(ReplicaSync.FORMAT, n.path("format").asInt());
        assertEquals(1, n.path("format").asInt(), "docs/FORMAT.md: format 1");
        assertTrue(Instant.parse(n.path("created").asText()).isAfter(Instant.parse("2020-01-01T00:00:00Z")));
        assertTrue(n.path("writer").asText().startsWith("walship"));
        // a second open accepts it and leaves it alone
        ReplicaSync.open("db", replica, spool, POLICY, CLOCK);
        assertArrayEquals(first, replica.readObject(ReplicaSync.MANIFEST).orElseThrow());
    }

    @Test
    void newerFormatIsRefused() throws IOException {
        replica.writeObject(ReplicaSync.MANIFEST,
                "{\"format\": 99, \"created\": \"2030-01-01T00:00:00Z\", \"writer\": \"walship 9.0\"}".getBytes(StandardCharsets.UTF_8));
        IOException e = assertThrows(IOException.class, () -> ReplicaSync.open("db", replica, spool, POLICY, CLOCK));
        assertTrue(e.getMessage().contains("newer walship"), e.getMessage());
        assertTrue(e.getMessage().contains(replica.url()), e.getMessage());
        assertTrue(e.getMessage().contains("upgrade"), e.getMessage());
        // the manifest is not touched
        assertTrue(new String(replica.readObject(ReplicaSync.MANIFEST).orElseThrow(), StandardCharsets.UTF_8).contains("99"));
    }

    @Test
    void invalidJsonManifestIsRefusedClearly() throws IOException {
        replica.writeObject(ReplicaSync.MANIFEST, "{\"format\": 1,".getBytes(StandardCharsets.UTF_8));
        IOException e = assertThrows(IOException.class, () -> ReplicaSync.open("db", replica, spool, POLICY, CLOCK));
        assertTrue(e.getMessage().contains(ReplicaSync.MANIFEST), e.getMessage());
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
        assertTrue(e.getMessage().contains(replica.url()), e.getMessage());
    }

    @Test
    void manifestWithoutFormatIsRefused() throws IOException {
        for (String bad : List.of("{}", "[]", "42", "{\"format\": 0}", "{\"format\": \"x\"}")) {
            replica.writeObject(ReplicaSync.MANIFEST, bad.getBytes(StandardCharsets.UTF_8));
            IOException e = assertThrows(IOException.class, () -> ReplicaSync.checkManifest(replica), bad);
            assertTrue(e.getMessage().contains(replica.url()), e.getMessage());
        }
    }

    @Test
    void listsTheReplicaOnceAtOpen() throws IOException {
        List<String> calls = new ArrayList<>();
        Recording rec = new Recording(replica) {
            @Override
            public List<FileInfo> listFiles() throws IOException {
                calls.add("list");
                return super.listFiles();
            }
        };
        ReplicaSync sync = ReplicaSync.open("db", rec, spool, POLICY, CLOCK);
        spooled(FileInfo.segment(0, 1, 1, 1, 1, -1), "a");
        assertTrue(sync.uploadPending());
        assertTrue(sync.uploadPending());
        assertEquals(List.of("list"), calls);
    }
}
