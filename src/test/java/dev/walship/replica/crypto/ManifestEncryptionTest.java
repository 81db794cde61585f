package dev.walship.replica.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.walship.replica.ReplicaClient;
import dev.walship.replica.ReplicaSync;
import dev.walship.replica.file.FileReplica;
import dev.walship.segment.FileInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestEncryptionTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;
    FileReplica replica;
    byte[] key;
    byte[] other;

    @BeforeEach
    void setUp() {
        replica = new FileReplica(tmp.resolve("replica"));
        key = random(1);
        other = random(2);
    }

    static byte[] random(long seed) {
        byte[] k = new byte[32];
        new Random(seed).nextBytes(k);
        return k;
    }

    JsonNode manifest() throws IOException {
        return JSON.readTree(replica.readObject(ReplicaSync.MANIFEST).orElseThrow());
    }

    String message(ThrowingRunnable r) {
        return assertThrows(IOException.class, r::run).getMessage();
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void keyCheckIsTheFirst16BytesOfHmacSha256() throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        byte[] full = mac.doFinal("walship key check".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(Arrays.copyOf(full, 16), EncryptingReplica.keyCheck(key));
        assertEquals(HexFormat.of().formatHex(full, 0, 16), EncryptingReplica.keyCheckHex(key));
        assertFalse(Arrays.equals(EncryptingReplica.keyCheck(key), EncryptingReplica.keyCheck(other)));
        assertThrows(IllegalArgumentException.class, () -> EncryptingReplica.keyCheck(new byte[31]));
    }

    @Test
    void markEncryptedCreatesAManifestThatReplicaSyncAccepts() throws IOException {
        assertFalse(EncryptingReplica.isEncrypted(replica));
        EncryptingReplica.markEncrypted(replica, key);
        JsonNode m = manifest();
        assertEquals(ReplicaSync.FORMAT, m.get("format").asInt());
        assertTrue(m.get("created").isTextual() && m.get("writer").asText().startsWith("walship "));
        assertEquals("aes-256-gcm-chunked", m.at("/encryption/algorithm").asText());
        assertEquals(EncryptingReplica.keyCheckHex(key), m.at("/encryption/key-check").asText());
        assertTrue(EncryptingReplica.isEncrypted(replica));
        ReplicaSync.checkManifest(replica); // still a valid format-1 manifest, left as it is
        assertEquals(m, manifest());
        String keyHex = HexFormat.of().formatHex(key);
        assertFalse(new String(replica.readObject(ReplicaSync.MANIFEST).orElseThrow(), StandardCharsets.UTF_8)
                .contains(keyHex.substring(0, 8)), "the manifest holds a check value, not the key");

        EncryptingReplica.markEncrypted(replica, key); // idempotent
        assertEquals(m, manifest());
        EncryptingReplica.verifyKey(replica, key);
    }

    @Test
    void verifyKeyRefusesAMissingOrWrongKey() throws IOException {
        EncryptingReplica.markEncrypted(replica, key);
        assertEquals("replica " + replica.url() + " is encrypted: pass --encryption-key-file",
                message(() -> EncryptingReplica.verifyKey(replica, null)));
        assertEquals("replica " + replica.url() + " is encrypted with a different key (key check mismatch): pass the"
                + " key file it was written with", message(() -> EncryptingReplica.verifyKey(replica, other)));
        assertEquals("replica " + replica.url() + " is encrypted with a different key (key check mismatch): pass the"
                + " key file it was written with", message(() -> EncryptingReplica.markEncrypted(replica, other)));
        assertThrows(IOException.class, () -> EncryptingReplica.forRestore(replica, null));
        assertThrows(IOException.class, () -> EncryptingReplica.forReplication(replica, null));
        assertThrows(IOException.class, () -> EncryptingReplica.forReplication(replica, other));
    }

    @Test
    void unencryptedReplicas() throws IOException {
        EncryptingReplica.verifyKey(replica, null); // no manifest yet
        EncryptingReplica.verifyKey(replica, key); // nothing to check against yet
        ReplicaSync.checkManifest(replica);
        assertFalse(EncryptingReplica.isEncrypted(replica));
        EncryptingReplica.verifyKey(replica, null);
        assertSame(replica, EncryptingReplica.forRestore(replica, null));
        assertSame(replica, EncryptingReplica.forReplication(replica, null));
        String msg = message(() -> EncryptingReplica.verifyKey(replica, key));
        assertTrue(msg.startsWith("replica " + replica.url() + " is not encrypted"), msg);
    }

    @Test
    void anEmptyUnencryptedReplicaCanBecomeEncryptedButOneWithDataCannot() throws IOException {
        ReplicaSync.checkManifest(replica);
        String created = manifest().get("created").asText();
        EncryptingReplica.markEncrypted(replica, key);
        assertTrue(EncryptingReplica.isEncrypted(replica));
        assertEquals(created, manifest().get("created").asText(), "the rest of the manifest is kept");

        FileReplica used = new FileReplica(tmp.resolve("used"));
        ReplicaSync.checkManifest(used);
        Path f = Files.write(tmp.resolve("seg"), new byte[] {1, 2, 3});
        used.upload(FileInfo.segment(0, 1, 1, 1, 1, -1), f);
        String msg = message(() -> EncryptingReplica.markEncrypted(used, key));
        assertTrue(msg.contains("already holds unencrypted backups"), msg);
        assertFalse(EncryptingReplica.isEncrypted(used));
    }

    @Test
    void aReplicaThatLostItsManifestIsOnlyMarkedWhenItsFilesAreOurs() throws IOException {
        FileInfo seg = FileInfo.segment(0, 1, 1, 1, 1, -1);
        Path f = Files.write(tmp.resolve("seg"), new byte[] {1, 2, 3});
        EncryptingReplica.wrap(replica, key).upload(seg, f);
        EncryptingReplica.markEncrypted(replica, key); // encrypted under this key: the manifest is recreated
        assertTrue(EncryptingReplica.isEncrypted(replica));

        Files.delete(replica.root().resolve(ReplicaSync.MANIFEST));
        String msg = message(() -> EncryptingReplica.markEncrypted(replica, other));
        assertTrue(msg.contains("holds data files but no walship-replica.json"), msg);
        FileReplica plainFiles = new FileReplica(tmp.resolve("plain"));
        plainFiles.upload(seg, f);
        msg = message(() -> EncryptingReplica.markEncrypted(plainFiles, key));
        assertTrue(msg.contains("holds data files but no walship-replica.json") && msg.contains("not encrypted with"), msg);
        assertFalse(EncryptingReplica.isEncrypted(plainFiles));
    }

    @Test
    void forHelpersWrapOnlyWithAKey() throws IOException {
        ReplicaClient w = EncryptingReplica.forReplication(replica, key);
        assertTrue(w instanceof EncryptingReplica);
        assertTrue(EncryptingReplica.isEncrypted(replica));
        assertTrue(EncryptingReplica.forRestore(replica, key) instanceof EncryptingReplica);
        assertSame(replica, ((EncryptingReplica) w).inner());
    }

    @Test
    void damagedOrUnknownEncryptionFieldsAreRefused() throws IOException {
        write("{\"format\":1,\"encryption\":{\"algorithm\":\"aes-256-gcm-chunked\",\"key-check\":\"zz\"}}");
        assertTrue(message(() -> EncryptingReplica.verifyKey(replica, key)).contains("not 32 hex digits"));
        write("{\"format\":1,\"encryption\":{\"algorithm\":\"chacha20-poly1305-v9\",\"key-check\":\"00\"}}");
        String msg = message(() -> EncryptingReplica.verifyKey(replica, key));
        assertTrue(msg.contains("\"chacha20-poly1305-v9\"") && msg.endsWith("upgrade walship"), msg);
        assertTrue(EncryptingReplica.isEncrypted(replica));
        write("{\"format\":1,\"encryption\":true}");
        assertThrows(IOException.class, () -> EncryptingReplica.isEncrypted(replica));
        write("{\"format\":1,\"encryption\":null}");
        assertFalse(EncryptingReplica.isEncrypted(replica));
        write("not json");
        assertTrue(message(() -> EncryptingReplica.isEncrypted(replica)).contains("is not valid JSON"));
        write("[1]");
        assertThrows(IOException.class, () -> EncryptingReplica.verifyKey(replica, key));
        write("{\"format\":99}");
        msg = message(() -> EncryptingReplica.markEncrypted(replica, key));
        assertTrue(msg.contains("newer walship"), msg);
    }

    void write(String manifest) throws IOException {
        replica.writeObject(ReplicaSync.MANIFEST, manifest.getBytes(StandardCharsets.UTF_8));
    }
}
