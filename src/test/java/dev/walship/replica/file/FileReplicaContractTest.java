package dev.walship.replica.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.replica.ReplicaClient;
import dev.walship.replica.ReplicaContractTest;
import dev.walship.segment.FileInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileReplicaContractTest extends ReplicaContractTest {

    @TempDir
    Path replicas;

    private Path root;

    @Override
    protected ReplicaClient newClient(String uniquePrefix) {
        root = replicas.resolve(uniquePrefix);
        return new FileReplica(root);
    }

    /** Every regular file under the replica root, relative names. */
    private List<String> filesOnDisk() throws IOException {
        if (!Files.exists(root)) return List.of();
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    private void assertNoTempFiles() throws IOException {
        for (String f : filesOnDisk()) {
            String leaf = Path.of(f).getFileName().toString();
            assertTrue(!leaf.startsWith(".") && !leaf.contains(".tmp-"), "temp file left behind: " + f);
        }
    }

    @Test
    void urlIsTheRootPath() {
        assertEquals("file://" + root.toAbsolutePath().normalize(), client.url());
    }

    @Test
    void uploadOnTheSpoolsFilesystemIsAHardLinkThatOutlivesTheSource() throws IOException {
        byte[] content = bytes(70_000, 9);
        Path source = localFile(content);
        FileInfo f = l0(1, 3);
        client.upload(f, source);
        Path stored = root.resolve(f.name());
        assertTrue(Files.isSameFile(source, stored), "no bytes copied: the replica file is the spool file's inode");
        Files.delete(source); // the spool drops the file once every replica has it
        assertArrayEquals(content, Files.readAllBytes(stored));
        assertNoTempFiles();
    }

    /** Two local replicas must stay independent: a flipped bit in one must not be in the other. */
    @Test
    void aSecondReplicaOfTheSameSpoolFileGetsItsOwnCopy() throws IOException {
        byte[] content = bytes(40_000, 5);
        Path source = localFile(content);
        FileInfo f = l0(2, 4);
        client.upload(f, source);
        FileReplica second = new FileReplica(replicas.resolve("second-" + root.getFileName()));
        second.upload(f, source);
        Path first = root.resolve(f.name());
        Path other = second.root().resolve(f.name());
        assertTrue(Files.isSameFile(source, first), "the first replica links the spool file");
        assertFalse(Files.isSameFile(first, other), "the second one copies it");
        assertArrayEquals(content, Files.readAllBytes(other));
        Files.write(first, new byte[] {1}, java.nio.file.StandardOpenOption.WRITE); // damage the first in place
        assertArrayEquals(content, Files.readAllBytes(other), "the second replica is untouched");
    }

    @Test
    void uploadFromAnotherFilesystemIsACopy() throws IOException {
        Path shm = Path.of("/dev/shm");
        Assumptions.assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm)
                && !Files.getFileStore(shm).equals(Files.getFileStore(replicas)), "needs a second filesystem (/dev/shm)");
        byte[] content = bytes(50_000, 4);
        Path source = Files.createTempFile(shm, "walship-test", ".seg");
        try {
            Files.write(source, content);
            FileInfo f = l0(4, 6);
            client.upload(f, source);
            Path stored = root.resolve(f.name());
            assertFalse(Files.isSameFile(source, stored));
            assertArrayEquals(content, Files.readAllBytes(stored));
            FileInfo g = l0(7, 7); // later uploads go straight to the copy
            client.upload(g, source);
            assertArrayEquals(content, Files.readAllBytes(root.resolve(g.name())));
            assertNoTempFiles();
        } finally {
            Files.deleteIfExists(source);
        }
    }

    @Test
    void interruptedUploadCleansItsTempFile() throws IOException {
        FileInfo f = l0(1, 4);
        Path unreadable = Files.createDirectory(local.resolve("a-directory"));
        assertThrows(IOException.class, () -> client.upload(f, unreadable));
        assertNoTempFiles();
        assertEquals(List.of(), filesOnDisk(), "nothing appears under the name");
        assertTrue(!Files.exists(root.resolve(f.name())));
    }

    @Test
    void uploadsLeaveNoTempFilesOnDisk() throws IOException {
        upload(l0(1, 1), bytes(10, 1));
        upload(l0(1, 1), bytes(20, 2));
        client.writeObject("walship-replica.json", new byte[] {'{', '}'});
        client.writeObject("walship-replica.json", new byte[] {'{', ' ', '}'});
        assertNoTempFiles();
        assertEquals(List.of(l0(1, 1).name(), "walship-replica.json"), filesOnDisk());
    }

    @Test
    void listIgnoresLeftoverTempFilesOfACrash() throws IOException {
        FileInfo f = upload(l0(1, 2), bytes(5, 3));
        // what a crash between create and rename leaves behind
        Files.write(root.resolve("L0").resolve("." + l0(3, 4).name().substring(3) + ".tmp-1234abcd"), new byte[] {1});
        assertEquals(List.of(f), client.listFiles());
        assertThrows(NoSuchFileException.class, () -> read(l0(3, 4)));
    }

    @Test
    void openOfMissingFileNamesTheReplica() {
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> read(l0(1, 1)));
        assertTrue(e.getMessage().contains(client.url()), e.getMessage());
    }

    @Test
    void deleteOfMissingFileInMissingDirectoryIsNoError() throws IOException {
        // the replica root does not even exist yet
        client.delete(List.of(FileInfo.segment(2, 1, 9, 1, 9, -1), FileInfo.snapshot(1, 1, -1)));
        assertEquals(List.of(), client.listFiles());
    }

    @Test
    void objectNamesResolvingToTheRootOrOutsideAreRefused() throws IOException {
        for (String bad : List.of("", ".", "L0/..", "./../" + root.getFileName() + "x/evil")) {
            IOException e = assertThrows(IOException.class, () -> client.writeObject(bad, new byte[] {1}), bad);
            assertTrue(e.getMessage().contains(client.url()), e.getMessage());
        }
        // a name escaping into a sibling directory that shares the root's name as a prefix
        assertTrue(!Files.exists(replicas.resolve(root.getFileName() + "x")));
        // inner "..' that stays inside is fine
        client.writeObject("L0/../inside.json", new byte[] {7});
        assertArrayEquals(new byte[] {7}, Files.readAllBytes(root.resolve("inside.json")));
    }
}
