package dev.walship.replica.crypto;

import dev.walship.replica.ReplicaClient;
import dev.walship.segment.FileInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Client-side encryption for any replica backend: a decorator that stores every data file (snapshots and
 * segments) as an AES-256-GCM chunked envelope (docs/FORMAT.md, "Encrypted replicas") and decrypts it on
 * the way back, streaming, in constant memory.
 *
 * <ul>
 *   <li>Data files: {@link #upload} encrypts into a temp file next to the local file, then hands that to
 *       the inner backend; {@link #open} verifies and decrypts chunk by chunk. A wrong key or any changed,
 *       missing, reordered or renamed byte is a {@link DecryptionException} naming the object; no
 *       unverified byte is ever returned.</li>
 *   <li>{@link #listFiles} reports plaintext sizes (computed exactly from the stored sizes), so sizes agree
 *       with the local files that were uploaded. Object names are not encrypted: txids and times show.</li>
 *   <li>Small objects ({@link #readObject}, {@link #writeObject}, {@link #readVersioned}, {@link #writeIf}),
 *       i.e. the manifest and the lease, pass through unencrypted: a walship without the key must still be
 *       fenced by the lease, and must learn from the manifest that the replica needs a key.</li>
 * </ul>
 *
 * <p>Closing this client closes the inner one. {@link #url()} is the inner backend's.
 *
 * <p>Typical use: {@code forReplication(inner, key)} in a sidecar, {@code forRestore(inner, key)} in a
 * restore (both do the manifest checks), or {@link #verifyKey} / {@link #markEncrypted} and {@link #wrap}
 * by hand.
 */
public final class EncryptingReplica implements ReplicaClient {
    /** The manifest's value of {@code encryption.algorithm}. */
    public static final String ALGORITHM = EncryptionManifest.ALGORITHM;
    /** Plaintext bytes per chunk. */
    public static final int CHUNK_SIZE = Envelope.CHUNK_SIZE;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final ReplicaClient inner;
    private final byte[] key;

    private EncryptingReplica(ReplicaClient inner, byte[] key) {
        this.inner = inner;
        this.key = key;
    }

    /**
     * Wraps {@code inner} so data files are encrypted under {@code key32} (copied). Does not look at the
     * manifest: call {@link #verifyKey} or {@link #markEncrypted} first, or use {@link #forRestore} /
     * {@link #forReplication}.
     */
    public static EncryptingReplica wrap(ReplicaClient inner, byte[] key32) {
        if (inner == null) throw new IllegalArgumentException("inner replica is required");
        EncryptionManifest.requireKey(key32);
        return new EncryptingReplica(inner, key32.clone());
    }

    /**
     * Reads a 32-byte key from a file holding 32 raw bytes, 64 hex digits, or base64 of 32 bytes (surrounding
     * whitespace and a trailing newline allowed for the text forms). Errors name the file, never its content.
     */
    public static byte[] loadKey(Path file) throws IOException {
        return KeyFile.load(file);
    }

    /** The first 16 bytes of HMAC-SHA256(key, "walship key check"): identifies a key without revealing it. */
    public static byte[] keyCheck(byte[] key) {
        return EncryptionManifest.keyCheck(key);
    }

    /** {@link #keyCheck} as 32 lower-case hex digits, as the manifest stores it. */
    public static String keyCheckHex(byte[] key) {
        return HexFormat.of().formatHex(keyCheck(key));
    }

    /** Whether the replica's manifest declares it encrypted (false when there is no manifest yet). */
    public static boolean isEncrypted(ReplicaClient plainInner) throws IOException {
        return EncryptionManifest.isEncrypted(plainInner);
    }

    /**
     * Checks {@code keyOrNull} against the manifest of the (unwrapped) replica. Passes for a replica without
     * a manifest, an unencrypted replica with no key, and an encrypted one with its key. Otherwise throws:
     * "replica X is encrypted: pass --encryption-key-file" (no key), "replica X is encrypted with a different
     * key (key check mismatch): pass the key file it was written with", or, when a key is given for an
     * unencrypted replica, "replica X is not encrypted ...".
     */
    public static void verifyKey(ReplicaClient plainInner, byte[] keyOrNull) throws IOException {
        EncryptionManifest.verifyKey(plainInner, keyOrNull);
    }

    /**
     * Makes the replica's manifest declare encryption under {@code key}: creates the manifest (format, created,
     * writer, encryption) when there is none, adds the field to the manifest of a replica that holds no data
     * files yet, and otherwise only verifies the key. Refuses a replica that already holds unencrypted data
     * files, and one encrypted under another key. Idempotent; uses conditional writes.
     */
    public static void markEncrypted(ReplicaClient plainInner, byte[] key) throws IOException {
        EncryptionManifest.markEncrypted(plainInner, key);
    }

    /**
     * For a restore (or any reader): checks the key against the manifest, then returns {@code inner} itself
     * when no key is given, or {@code inner} wrapped.
     */
    public static ReplicaClient forRestore(ReplicaClient inner, byte[] keyOrNull) throws IOException {
        verifyKey(inner, keyOrNull);
        return keyOrNull == null ? inner : wrap(inner, keyOrNull);
    }

    /**
     * For a sidecar, before {@code ReplicaSync.open}: without a key, refuses an encrypted replica and returns
     * {@code inner}; with one, marks (or verifies) the manifest and returns {@code inner} wrapped.
     */
    public static ReplicaClient forReplication(ReplicaClient inner, byte[] keyOrNull) throws IOException {
        if (keyOrNull == null) {
            verifyKey(inner, null);
            return inner;
        }
        markEncrypted(inner, keyOrNull);
        return wrap(inner, keyOrNull);
    }

    /** Stored size of an envelope holding {@code plaintextSize} bytes. */
    public static long storedSize(long plaintextSize) {
        return Envelope.storedSize(plaintextSize);
    }

    /** Plaintext size of an envelope of {@code storedSize} bytes; -1 when no envelope has that size. */
    public static long plaintextSize(long storedSize) {
        return Envelope.plainSize(storedSize);
    }

    /** The wrapped backend. */
    public ReplicaClient inner() {
        return inner;
    }

    @Override
    public RequestCounts requestCounts() {
        return inner.requestCounts();
    }

    @Override
    public String url() {
        return inner.url();
    }

    @Override
    public List<FileInfo> listFiles() throws IOException {
        List<FileInfo> stored = inner.listFiles();
        List<FileInfo> out = new ArrayList<>(stored.size());
        for (FileInfo f : stored) out.add(f.size() < 0 ? f : f.withSize(Envelope.plainSize(f.size())));
        return out;
    }

    @Override
    public InputStream open(FileInfo file) throws IOException {
        String name = file.name();
        InputStream in = inner.open(file);
        try {
            byte[] header = in.readNBytes(Envelope.HEADER_SIZE);
            Envelope.Chunks chunks = Envelope.Chunks.forHeader(key, header, name, where(name));
            return new DecryptingInputStream(in, chunks, name, where(name), 0, 0);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /**
     * Opens from plaintext byte {@code offset} with a ranged read of the inner backend: reads the header
     * (first 64 bytes), then starts at the chunk holding the offset (the one before it when the offset is
     * a chunk boundary, so the end of the object is still verified) and drops the bytes before the offset.
     * Only the chunks read are verified; those before the offset were verified when they were first read.
     */
    @Override
    public InputStream open(FileInfo file, long offset) throws IOException {
        if (offset <= 0) return open(file);
        String name = file.name();
        byte[] header;
        try (InputStream h = inner.open(file)) {
            header = h.readNBytes(Envelope.HEADER_SIZE);
        }
        Envelope.Chunks chunks = Envelope.Chunks.forHeader(key, header, name, where(name));
        long chunk = offset / CHUNK_SIZE;
        if (offset % CHUNK_SIZE == 0) chunk--;
        long skip = offset - chunk * CHUNK_SIZE;
        InputStream in = inner.open(file, Envelope.HEADER_SIZE + chunk * Envelope.STORED_CHUNK);
        return new DecryptingInputStream(in, chunks, name, where(name), chunk, skip);
    }

    /**
     * Encrypts {@code local} into {@code .<name>.wsenc-<random>.tmp} next to it (so the local file's
     * directory must be writable and have room for one more copy), uploads that, and deletes it.
     */
    @Override
    public void upload(FileInfo file, Path local) throws IOException {
        try (InputStream in = Files.newInputStream(local)) {
            Path tmp = tempNextTo(local);
            try {
                try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    Envelope.encrypt(in, out, key, file.name(), RANDOM);
                }
                inner.upload(file, tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static Path tempNextTo(Path local) {
        byte[] rnd = new byte[6];
        RANDOM.nextBytes(rnd);
        Path abs = local.toAbsolutePath();
        return abs.resolveSibling("." + abs.getFileName() + ".wsenc-" + HexFormat.of().formatHex(rnd) + ".tmp");
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
        Arrays.fill(key, (byte) 0);
        inner.close();
    }

    private String where(String name) {
        return "decrypt " + name + " in " + inner.url() + ": ";
    }

    @Override
    public String toString() {
        return "EncryptingReplica[" + inner.url() + "]"; // never the key
    }
}
