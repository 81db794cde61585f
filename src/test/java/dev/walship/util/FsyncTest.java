package dev.walship.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FsyncTest {

    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writeAtomicallyCreatesAndReplacesWithoutLeavingTempFiles() throws IOException {
        Path target = dir.resolve("state.json");
        Fsync.writeAtomically(target, new byte[] {1, 2, 3, 4, 5});
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, Files.readAllBytes(target));
        Fsync.writeAtomically(target, new byte[] {9});
        assertArrayEquals(new byte[] {9}, Files.readAllBytes(target), "shorter content fully replaces the old");
        Fsync.writeAtomically(target, new byte[0]);
        assertArrayEquals(new byte[0], Files.readAllBytes(target));
        byte[] big = new byte[3 << 20];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
        Fsync.writeAtomically(target, big);
        assertArrayEquals(big, Files.readAllBytes(target));
        assertEquals(List.of("state.json"), names());
    }

    @Test
    void writeAtomicallyIntoAMissingDirectoryFailsAndLeavesNothing() {
        Path target = dir.resolve("missing/state.json");
        assertThrows(IOException.class, () -> Fsync.writeAtomically(target, new byte[] {1}));
        assertFalse(Files.exists(target.getParent()));
    }

    @Test
    void copyAtomicallyCopiesAndReportsTheLength() throws IOException {
        Path target = dir.resolve("copy.seg");
        byte[] data = new byte[100_000];
        for (int i = 0; i < data.length; i++) data[i] = (byte) i;
        assertEquals(data.length, Fsync.copyAtomically(new ByteArrayInputStream(data), target));
        assertArrayEquals(data, Files.readAllBytes(target));
        assertEquals(List.of("copy.seg"), names());
    }

    @Test
    void failingStreamLeavesNeitherTargetNorTempFile() throws IOException {
        Path target = dir.resolve("x.seg");
        InputStream failing = new InputStream() {
            int n;

            @Override
            public int read() throws IOException {
                if (n++ > 5000) throw new IOException("connection reset");
                return 7;
            }
        };
        IOException e = assertThrows(IOException.class, () -> Fsync.copyAtomically(failing, target));
        assertEquals("connection reset", e.getMessage());
        assertEquals(List.of(), names());

        // and an existing target keeps its old content
        Files.write(target, new byte[] {42});
        InputStream failing2 = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("boom");
            }
        };
        assertThrows(IOException.class, () -> Fsync.copyAtomically(failing2, target));
        assertArrayEquals(new byte[] {42}, Files.readAllBytes(target));
        assertEquals(List.of("x.seg"), names());
    }

    @Test
    void tempSiblingIsHiddenUniqueAndInTheSameDirectory() {
        Path target = dir.resolve("L0/abc.seg");
        Path a = Fsync.tempSibling(target);
        Path b = Fsync.tempSibling(target);
        assertEquals(target.getParent(), a.getParent());
        assertTrue(a.getFileName().toString().startsWith(".abc.seg.tmp-"), a.toString());
        assertFalse(a.equals(b));
    }

    @Test
    void publishReplacesTheTarget() throws IOException {
        Path tmp = dir.resolve(".t");
        Path target = dir.resolve("t");
        Files.write(target, new byte[] {1});
        Files.write(tmp, new byte[] {2});
        Fsync.publish(tmp, target);
        assertArrayEquals(new byte[] {2}, Files.readAllBytes(target));
        assertEquals(List.of("t"), names());
    }

    @Test
    void privateDirectoriesAreOwnerOnly() throws IOException {
        Path leaf = dir.resolve("a/b/c");
        assertEquals(leaf, Fsync.privateDirectories(leaf));
        for (Path d : List.of(dir.resolve("a"), dir.resolve("a/b"), leaf)) {
            assertTrue(Files.isDirectory(d));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)), d.toString());
        }
        // an existing directory is accepted as it is (the user chose its mode)
        Path existing = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString("rwxr-x---"));
        Fsync.privateDirectories(existing);
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(existing)));
        // the directory containing the temp dir keeps its mode
        assertTrue(Files.isDirectory(dir));
        // a relative path works too
        Fsync.privateDirectories(leaf); // idempotent
    }

    @Test
    void privateDirectoriesRefusesAFileInTheWay() throws IOException {
        Path file = Files.writeString(dir.resolve("f"), "x");
        assertThrows(IOException.class, () -> Fsync.privateDirectories(file));
        assertThrows(IOException.class, () -> Fsync.privateDirectories(file.resolve("sub")));
    }

    @Test
    void fsyncDirAndFileWork() throws IOException {
        Path f = Files.writeString(dir.resolve("f"), "x");
        Fsync.fsyncFile(f);
        Fsync.fsyncDir(dir);
        assertThrows(IOException.class, () -> Fsync.fsyncDir(dir.resolve("missing")));
    }
}
