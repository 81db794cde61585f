package dev.walship.replica.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.fuzz.Fuzz;
import dev.walship.fuzz.Mutate;
import dev.walship.segment.FileInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whatever object name reaches the file replica ("../", absolute paths, NUL, 10k characters, unicode, a sibling
 * directory sharing the root's name as a prefix), it either works on a file inside the root or fails with an
 * IOException naming the replica; nothing outside the root is read, written or created.
 */
class FileReplicaNamePropertyTest {
    private static final List<String> HOSTILE = List.of("../x", "../../etc/passwd", "/etc/passwd", "/abs", "a\0b",
            "\0", "", ".", "..", "./", "L0/..", "L0/../..", "L0/../../root-sibling/x", "../root-sibling/x",
            "x".repeat(10_000), "a/".repeat(3000) + "b", "é/ü", "\u202e.json", "snapshots/../../secret.txt",
            "L0//x", "L0/./x", "~/x", "\\..\\x", "%2e%2e/x");

    @TempDir
    Path parent;

    static final byte[] SECRET = "outside".getBytes(StandardCharsets.UTF_8);

    @Test
    void namesNeverReachOutsideTheRoot() throws IOException {
        Map<String, Integer> seen = Fuzz.run(property(parent, 20240616L, 600));
        assertTrue(seen.getOrDefault("inside", 0) > 100 && seen.getOrDefault("refused", 0) > 100, seen.toString());
        assertNothingOutside(parent);
    }

    /** A replica at parent/root, next to parent/secret.txt and an empty parent/root-sibling. */
    static Fuzz.Property<String> property(Path parent, long seed, int tries) throws IOException {
        Path root = parent.resolve("root");
        Files.write(parent.resolve("secret.txt"), SECRET);
        Files.createDirectories(parent.resolve("root-sibling"));
        FileReplica replica = new FileReplica(root);
        Files.createDirectories(root.resolve("L0"));
        return Fuzz.property("replica-name", seed, tries, rnd -> switch (rnd.nextInt(5)) {
            case 0 -> HOSTILE.get(rnd.nextInt(HOSTILE.size()));
            case 1 -> Mutate.randomText(rnd, 80);
            case 2 -> Mutate.text(HOSTILE.get(rnd.nextInt(HOSTILE.size())), rnd);
            default -> Mutate.text(rnd.nextBoolean() ? "walship-replica.json" : FileInfo.snapshot(1 + rnd.nextInt(9),
                    5, -1).name(), rnd);
        }, s -> s.getBytes(StandardCharsets.UTF_8), name -> check(replica, name, SECRET));
    }

    /** Nothing was created or changed outside the root. */
    static void assertNothingOutside(Path parent) throws IOException {
        try (Stream<Path> s = Files.list(parent)) {
            assertEquals(List.of("root", "root-sibling", "secret.txt"),
                    s.map(x -> x.getFileName().toString()).sorted().toList());
        }
        try (Stream<Path> s = Files.list(parent.resolve("root-sibling"))) {
            assertEquals(0, s.count());
        }
        assertArrayEquals(SECRET, Files.readAllBytes(parent.resolve("secret.txt")));
    }

    private static String check(FileReplica replica, String name, byte[] secret) throws IOException {
        byte[] data = ("data for " + name.hashCode()).getBytes(StandardCharsets.UTF_8);
        try {
            Optional<byte[]> before = replica.readObject(name);
            assertTrue(before.isEmpty() || !java.util.Arrays.equals(secret, before.get()), "read outside the root");
            replica.writeObject(name, data);
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            if (m.startsWith("replica " + replica.url() + ": object name ")) return "refused";
            // anything else is the filesystem's own refusal (name too long, a directory in the way), which is
            // only acceptable for a name the guard had no reason to stop
            assertInside(replica, name);
            return "filesystem-error";
        }
        Path written = assertInside(replica, name);
        assertArrayEquals(data, Files.readAllBytes(written));
        assertArrayEquals(data, replica.readObject(name).orElseThrow());
        return "inside";
    }

    private static Path assertInside(FileReplica replica, String name) {
        Path p = replica.root().resolve(name).normalize();
        assertTrue(p.startsWith(replica.root()) && !p.equals(replica.root()), name + " -> " + p);
        return p;
    }
}
