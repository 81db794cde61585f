package dev.walship.replica.crypto;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.walship.replica.PreconditionFailedException;
import dev.walship.replica.ReplicaClient;
import dev.walship.replica.ReplicaSync;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The {@code "encryption"} field of {@code walship-replica.json}: {@code {"algorithm":"aes-256-gcm-chunked",
 * "key-check":"<32 hex digits>"}}. The manifest itself stays plaintext, so a walship without the key learns
 * that it needs one, and a walship with a wrong key is refused before it reads or writes a data file.
 */
final class EncryptionManifest {
    static final String FIELD = "encryption";
    static final String ALGORITHM = "aes-256-gcm-chunked";
    static final String KEY_CHECK = "key-check";
    private static final byte[] KEY_CHECK_LABEL = "walship key check".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper();

    private EncryptionManifest() {}

    static byte[] keyCheck(byte[] key) {
        requireKey(key);
        return Arrays.copyOf(Hkdf.hmac(key, KEY_CHECK_LABEL), 16);
    }

    static void requireKey(byte[] key) {
        if (key == null || key.length != KeyFile.KEY_SIZE) {
            throw new IllegalArgumentException("an encryption key is " + KeyFile.KEY_SIZE + " bytes, not "
                    + (key == null ? "null" : key.length));
        }
    }

    /** The manifest's encryption field, or null when the replica has no manifest or is not encrypted. */
    private static JsonNode field(ReplicaClient client, byte[] manifest) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(manifest);
        } catch (IOException e) {
            throw new IOException("replica " + client.url() + ": " + ReplicaSync.MANIFEST + " is not valid JSON"
                    + " (the replica is damaged or not a walship replica)", e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException("replica " + client.url() + ": " + ReplicaSync.MANIFEST + " is not a JSON object"
                    + " (the replica is damaged or not a walship replica)");
        }
        JsonNode f = root.get(FIELD);
        if (f == null || f.isNull()) return null;
        if (!f.isObject()) {
            throw new IOException("replica " + client.url() + ": the \"" + FIELD + "\" field of "
                    + ReplicaSync.MANIFEST + " is not an object (the manifest is damaged)");
        }
        return f;
    }

    static boolean isEncrypted(ReplicaClient client) throws IOException {
        Optional<byte[]> m = client.readObject(ReplicaSync.MANIFEST);
        return m.isPresent() && field(client, m.get()) != null;
    }

    static void verifyKey(ReplicaClient client, byte[] keyOrNull) throws IOException {
        if (keyOrNull != null) requireKey(keyOrNull);
        Optional<byte[]> m = client.readObject(ReplicaSync.MANIFEST);
        if (m.isEmpty()) return; // a new replica: nothing to check against yet
        check(client, field(client, m.get()), keyOrNull);
    }

    private static void check(ReplicaClient client, JsonNode f, byte[] keyOrNull) throws IOException {
        if (f == null) {
            if (keyOrNull == null) return;
            throw new IOException("replica " + client.url() + " is not encrypted (its " + ReplicaSync.MANIFEST
                    + " has no \"" + FIELD + "\" field): drop --encryption-key-file to use it, or point encrypted"
                    + " backups at a new, empty location");
        }
        String algorithm = f.path("algorithm").asText("");
        if (!ALGORITHM.equals(algorithm)) {
            throw new IOException("replica " + client.url() + " is encrypted with \"" + algorithm
                    + "\", which this walship does not know (it knows " + ALGORITHM + "); upgrade walship");
        }
        if (keyOrNull == null) {
            throw new IOException("replica " + client.url() + " is encrypted: pass --encryption-key-file");
        }
        byte[] stored;
        try {
            stored = HexFormat.of().parseHex(f.path(KEY_CHECK).asText(""));
        } catch (IllegalArgumentException e) {
            stored = new byte[0];
        }
        if (stored.length != 16) {
            throw new IOException("replica " + client.url() + ": the " + KEY_CHECK + " in " + ReplicaSync.MANIFEST
                    + " is not 32 hex digits (the manifest is damaged)");
        }
        if (!MessageDigest.isEqual(stored, keyCheck(keyOrNull))) {
            throw new IOException("replica " + client.url() + " is encrypted with a different key (key check"
                    + " mismatch): pass the key file it was written with");
        }
    }

    static void markEncrypted(ReplicaClient client, byte[] key) throws IOException {
        requireKey(key);
        for (int attempt = 0; attempt < 5; attempt++) {
            Optional<ReplicaClient.Versioned> cur = client.readVersioned(ReplicaSync.MANIFEST);
            try {
                if (cur.isEmpty()) {
                    requireOwnFilesOnly(client, key);
                    ObjectNode root = JSON.createObjectNode();
                    root.put("format", ReplicaSync.FORMAT);
                    root.put("created", Instant.now().toString());
                    root.put("writer", "walship " + dev.walship.util.Version.get());
                    root.set(FIELD, fieldFor(key));
                    client.writeIf(ReplicaSync.MANIFEST, bytes(root), null);
                    return;
                }
                ReplicaSync.checkManifest(client); // the format check; the manifest exists, so it writes nothing
                JsonNode f = field(client, cur.get().data());
                if (f != null) {
                    check(client, f, key);
                    return;
                }
                if (!client.listFiles().isEmpty()) {
                    throw new IOException("replica " + client.url() + " already holds unencrypted backups, and a"
                            + " replica is either encrypted or not: point encrypted backups at a new, empty location"
                            + " (or drop the encryption key to keep this replica unencrypted)");
                }
                ObjectNode root = (ObjectNode) JSON.readTree(cur.get().data());
                root.set(FIELD, fieldFor(key));
                client.writeIf(ReplicaSync.MANIFEST, bytes(root), cur.get().version());
                return;
            } catch (PreconditionFailedException e) {
                // another writer changed the manifest between our read and our write: look again
            }
        }
        throw new IOException("replica " + client.url() + ": " + ReplicaSync.MANIFEST + " kept changing while"
                + " marking the replica encrypted; is another walship starting on it?");
    }

    /**
     * A replica without a manifest normally holds nothing; if it does hold data files (its manifest was lost),
     * it may only be marked encrypted when they are envelopes under this key.
     */
    private static void requireOwnFilesOnly(ReplicaClient client, byte[] key) throws IOException {
        var files = client.listFiles();
        if (files.isEmpty()) return;
        var f = files.get(0);
        byte[] header;
        try (var in = client.open(f)) {
            header = in.readNBytes(Envelope.HEADER_SIZE);
        }
        try {
            Envelope.Chunks.forHeader(key, header, f.name(), "");
        } catch (DecryptionException e) {
            throw new IOException("replica " + client.url() + " holds data files but no " + ReplicaSync.MANIFEST
                    + ", and " + f.name() + " is not encrypted with this key (" + e.getMessage() + "): restore the"
                    + " manifest, or point encrypted backups at a new, empty location");
        }
    }

    private static ObjectNode fieldFor(byte[] key) {
        ObjectNode f = JSON.createObjectNode();
        f.put("algorithm", ALGORITHM);
        f.put(KEY_CHECK, HexFormat.of().formatHex(keyCheck(key)));
        return f;
    }

    private static byte[] bytes(ObjectNode root) throws IOException {
        return (JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
