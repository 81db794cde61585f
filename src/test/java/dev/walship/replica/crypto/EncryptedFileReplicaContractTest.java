package dev.walship.replica.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.replica.ReplicaClient;
import dev.walship.replica.ReplicaContractTest;
import dev.walship.replica.file.FileReplica;
import dev.walship.segment.FileInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole backend contract, over {@link EncryptingReplica} wrapping a {@link FileReplica}. */
class EncryptedFileReplicaContractTest extends ReplicaContractTest {

    @TempDir
    Path replicas;

    private Path root;
    private final byte[] key = new byte[32];

    @Override
    protected ReplicaClient newClient(String uniquePrefix) {
        new SecureRandom().nextBytes(key);
        root = replicas.resolve(uniquePrefix);
        return EncryptingReplica.wrap(new FileReplica(root), key);
    }

    private List<Path> onDisk(Path dir) throws IOException {
        if (!Files.exists(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    @Test
    void urlIsTheInnerBackendsUrl() {
        assertEquals("file://" + root.toAbsolutePath().normalize(), client.url());
    }

    @Test
    void storedObjectsAreEnvelopesNotThePlaintext() throws IOException {
        byte[] content = bytes(5000, 42);
        FileInfo f = upload(l0(1, 2), content);
        byte[] stored = Files.readAllBytes(root.resolve(f.name()));
        assertEquals(EncryptingReplica.storedSize(content.length), stored.length);
        assertTrue(Arrays.equals(stored, 0, 8, Envelope.MAGIC, 0, 8), "starts with the WSENC magic");
        byte[] probe = Arrays.copyOfRange(content, 1000, 1032);
        for (int i = 0; i + probe.length <= stored.length; i++) {
            assertFalse(Arrays.equals(stored, i, i + probe.length, probe, 0, probe.length), "plaintext at " + i);
        }
    }

    @Test
    void uploadsLeaveNoTempFileNextToTheLocalFile() throws IOException {
        upload(l0(1, 1), bytes(100, 1));
        assertThrows(IOException.class, () -> client.upload(l0(2, 2), local.resolve("missing")));
        Path dir = Files.createDirectory(local.resolve("a-directory"));
        assertThrows(IOException.class, () -> client.upload(l0(3, 3), dir));
        for (Path p : onDisk(local)) {
            assertFalse(p.getFileName().toString().contains(".wsenc-"), "temp file left behind: " + p);
        }
        for (Path p : onDisk(root)) {
            assertFalse(p.getFileName().toString().startsWith("."), "temp object left behind: " + p);
        }
    }
}
