package dev.walship.replica.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HKDF with HMAC-SHA256 (RFC 5869), on the JDK's {@link Mac}. */
final class Hkdf {
    private static final String HMAC = "HmacSHA256";
    private static final int HASH_LEN = 32;

    private Hkdf() {}

    /** Extract-then-expand: {@code length} bytes of output keying material. */
    static byte[] derive(byte[] ikm, byte[] salt, byte[] info, int length) {
        if (length < 0 || length > 255 * HASH_LEN) throw new IllegalArgumentException("HKDF length " + length);
        try {
            Mac mac = Mac.getInstance(HMAC);
            // RFC 5869 2.2: an absent salt is HashLen zero bytes (and an empty HMAC key is illegal in the JDK)
            mac.init(new SecretKeySpec(salt == null || salt.length == 0 ? new byte[HASH_LEN] : salt, HMAC));
            byte[] prk = mac.doFinal(ikm);
            mac.init(new SecretKeySpec(prk, HMAC));
            byte[] okm = new byte[length];
            byte[] t = new byte[0];
            for (int i = 1, pos = 0; pos < length; i++) {
                mac.update(t);
                mac.update(info);
                mac.update((byte) i);
                t = mac.doFinal();
                int n = Math.min(t.length, length - pos);
                System.arraycopy(t, 0, okm, pos, n);
                pos += n;
            }
            java.util.Arrays.fill(prk, (byte) 0);
            return okm;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has " + HMAC, e);
        }
    }

    /** HMAC-SHA256 of {@code data} under {@code key}. */
    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has " + HMAC, e);
        }
    }
}
