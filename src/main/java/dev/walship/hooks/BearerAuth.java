package dev.walship.hooks;

import dev.walship.config.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/**
 * The check in front of every mutating admin endpoint: {@code Authorization: Bearer <token>}.
 *
 * <p>Both tokens are hashed with SHA-256 before {@link MessageDigest#isEqual} compares them, so the comparison
 * takes the same time whatever the offered token is, including its length (isEqual alone returns early on a length
 * mismatch).
 */
public final class BearerAuth {
    private static final String SCHEME = "bearer ";

    private BearerAuth() {
    }

    /**
     * True only if a token is configured and {@code authorization} (the header's value, or null) is
     * {@code Bearer <that token>}; the scheme name is case-insensitive (RFC 7235).
     */
    public static boolean authorized(String authorization, Secret token) {
        if (token == null || authorization == null) return false;
        String h = authorization.strip();
        if (h.length() < SCHEME.length() || !h.substring(0, SCHEME.length()).toLowerCase(Locale.ROOT).equals(SCHEME)) {
            return false;
        }
        byte[] offered = h.substring(SCHEME.length()).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(sha256(offered), sha256(token.bytes()));
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
