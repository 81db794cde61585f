package dev.walship.replica.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The encrypted envelope of a data file (docs/FORMAT.md, "Encrypted replicas"): a 64-byte header, then
 * the plaintext in 1 MiB chunks, each sealed with AES-256-GCM under a per-file key. Memory use is two
 * chunk buffers per stream, whatever the file size.
 */
final class Envelope {
    static final byte[] MAGIC = {'W', 'S', 'E', 'N', 'C', 0, 0, 1};
    /** Bytes of the magic that every envelope version shares; the byte after them is the version. */
    static final int MAGIC_PREFIX = 7;
    static final int VERSION = 1;
    static final int HEADER_SIZE = 64;
    static final int CHUNK_SIZE = 1 << 20;
    static final int TAG_SIZE = 16;
    static final int STORED_CHUNK = CHUNK_SIZE + TAG_SIZE;
    static final int SALT_OFFSET = 16;
    static final int SALT_SIZE = 32;
    static final int CHECK_OFFSET = 48;
    static final int CHECK_SIZE = 16;
    static final int NONCE_SIZE = 12;
    static final byte[] HKDF_INFO = "walship aes-256-gcm-chunked v1".getBytes(StandardCharsets.US_ASCII);
    private static final int DERIVED = 32 + NONCE_SIZE + CHECK_SIZE;

    private Envelope() {}

    /** Stored size of an envelope holding {@code plain} bytes. */
    static long storedSize(long plain) {
        if (plain < 0) throw new IllegalArgumentException("negative size " + plain);
        long chunks = Math.max(1, ceilDiv(plain, CHUNK_SIZE));
        return HEADER_SIZE + plain + chunks * TAG_SIZE;
    }

    /** The plaintext size of an envelope of {@code stored} bytes, or -1 when no envelope has that size. */
    static long plainSize(long stored) {
        if (stored < HEADER_SIZE + TAG_SIZE) return -1;
        long rest = stored - HEADER_SIZE;
        long chunks = ceilDiv(rest, STORED_CHUNK);
        long plain = rest - chunks * TAG_SIZE;
        return plain >= 0 && storedSize(plain) == stored ? plain : -1;
    }

    private static long ceilDiv(long a, long b) {
        return a / b + (a % b == 0 ? 0 : 1);
    }

    /**
     * Seals and opens the chunks of one object. Not thread-safe: one per stream.
     */
    static final class Chunks {
        final byte[] header;
        private final SecretKeySpec key;
        private final byte[] nonceBase;
        private final byte[] aad;
        private final byte[] nonce = new byte[NONCE_SIZE];
        private final Cipher cipher;

        private Chunks(byte[] header, byte[][] derived, String name) {
            this.header = header;
            this.key = new SecretKeySpec(derived[0], "AES");
            this.nonceBase = derived[1];
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            // AAD = header (64) | chunk index (8) | final flag (1) | object name (UTF-8, the only variable field, last)
            this.aad = new byte[HEADER_SIZE + 9 + n.length];
            System.arraycopy(header, 0, aad, 0, HEADER_SIZE);
            System.arraycopy(n, 0, aad, HEADER_SIZE + 9, n.length);
            try {
                this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("every JDK has AES/GCM/NoPadding", e);
            }
        }

        /** A fresh header with a random salt, and the chunk cipher for it. */
        static Chunks forNewObject(byte[] master, String name, SecureRandom random) {
            byte[] header = new byte[HEADER_SIZE];
            System.arraycopy(MAGIC, 0, header, 0, MAGIC.length);
            ByteBuffer.wrap(header).putInt(8, CHUNK_SIZE);
            byte[] salt = new byte[SALT_SIZE];
            random.nextBytes(salt);
            System.arraycopy(salt, 0, header, SALT_OFFSET, SALT_SIZE);
            byte[][] d = derive(master, salt);
            System.arraycopy(d[2], 0, header, CHECK_OFFSET, CHECK_SIZE);
            return new Chunks(header, d, name);
        }

        /**
         * The chunk cipher for a stored header; refuses headers this build cannot read and keys that do
         * not match the header's key check. {@code where} names the object in errors.
         */
        static Chunks forHeader(byte[] master, byte[] header, String name, String where) throws IOException {
            if (header.length < HEADER_SIZE) {
                throw new DecryptionException(name, where + "object is " + header.length + " bytes, shorter than the "
                        + HEADER_SIZE + "-byte encryption header (truncated, or not an encrypted object)");
            }
            if (!Arrays.equals(header, 0, MAGIC_PREFIX, MAGIC, 0, MAGIC_PREFIX)) {
                throw new DecryptionException(name, where + "not an encrypted walship object (no WSENC header);"
                        + " the replica holds unencrypted files, or the object is corrupt");
            }
            int version = Byte.toUnsignedInt(header[MAGIC_PREFIX]);
            if (version != VERSION) {
                throw new DecryptionException(name, where + "encryption envelope version " + version
                        + (version > VERSION ? " was written by a newer walship; upgrade walship"
                        : " is unknown (the object is corrupt)"));
            }
            ByteBuffer b = ByteBuffer.wrap(header);
            if (b.getInt(8) != CHUNK_SIZE || b.getInt(12) != 0) {
                throw new DecryptionException(name, where + "authentication failed (wrong key or corrupt object):"
                        + " the encryption header is damaged (chunk size " + Integer.toUnsignedString(b.getInt(8)) + ")");
            }
            byte[] salt = Arrays.copyOfRange(header, SALT_OFFSET, SALT_OFFSET + SALT_SIZE);
            byte[][] d = derive(master, salt);
            if (!MessageDigest.isEqual(d[2], Arrays.copyOfRange(header, CHECK_OFFSET, CHECK_OFFSET + CHECK_SIZE))) {
                throw new DecryptionException(name, where + "authentication failed (wrong key or corrupt object):"
                        + " the key check in its header does not match this key; pass the key file the replica"
                        + " was written with");
            }
            return new Chunks(Arrays.copyOf(header, HEADER_SIZE), d, name);
        }

        /** Subkey (32), nonce base (12) and key check (16), from HKDF-SHA256(master key, salt). */
        private static byte[][] derive(byte[] master, byte[] salt) {
            byte[] okm = Hkdf.derive(master, salt, HKDF_INFO, DERIVED);
            byte[][] out = {Arrays.copyOfRange(okm, 0, 32), Arrays.copyOfRange(okm, 32, 32 + NONCE_SIZE),
                    Arrays.copyOfRange(okm, 32 + NONCE_SIZE, DERIVED)};
            Arrays.fill(okm, (byte) 0);
            return out;
        }

        private void init(int mode, long index, boolean last) throws GeneralSecurityException {
            System.arraycopy(nonceBase, 0, nonce, 0, NONCE_SIZE);
            for (int i = 0; i < 8; i++) nonce[NONCE_SIZE - 1 - i] ^= (byte) (index >>> (8 * i));
            ByteBuffer.wrap(aad).putLong(HEADER_SIZE, index).put(HEADER_SIZE + 8, (byte) (last ? 1 : 0));
            cipher.init(mode, key, new GCMParameterSpec(TAG_SIZE * 8, nonce));
            cipher.updateAAD(aad);
        }

        /** Seals {@code len} plaintext bytes as chunk {@code index}; returns the stored length (len + 16). */
        int seal(long index, boolean last, byte[] plain, int len, byte[] out) throws GeneralSecurityException {
            init(Cipher.ENCRYPT_MODE, index, last);
            return cipher.doFinal(plain, 0, len, out, 0);
        }

        /** Opens a stored chunk; throws {@link javax.crypto.AEADBadTagException} unless it verifies. */
        int open(long index, boolean last, byte[] stored, int len, byte[] out) throws GeneralSecurityException {
            init(Cipher.DECRYPT_MODE, index, last);
            return cipher.doFinal(stored, 0, len, out, 0);
        }
    }

    /** Writes the envelope of everything {@code in} holds to {@code out}; returns the plaintext byte count. */
    static long encrypt(InputStream in, OutputStream out, byte[] master, String name, SecureRandom random)
            throws IOException {
        Chunks c = Chunks.forNewObject(master, name, random);
        out.write(c.header);
        byte[] plain = new byte[CHUNK_SIZE];
        byte[] sealed = new byte[STORED_CHUNK];
        int pending = -1;
        long total = 0;
        try {
            for (long index = 0; ; index++) {
                int got = 0;
                if (pending >= 0) {
                    plain[0] = (byte) pending;
                    got = 1;
                    pending = -1;
                }
                got += in.readNBytes(plain, got, CHUNK_SIZE - got);
                boolean last = got < CHUNK_SIZE;
                if (!last) {
                    // a full chunk is the final one only if nothing follows it
                    pending = in.read();
                    last = pending < 0;
                }
                int n = c.seal(index, last, plain, got, sealed);
                out.write(sealed, 0, n);
                total += got;
                if (last) return total;
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("encrypt " + name + ": " + e.getMessage(), e);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }
}
