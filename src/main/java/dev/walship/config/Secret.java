package dev.walship.config;

import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/** Key material from the config: compared by content, never shown by {@link #toString()}. */
public record Secret(byte[] bytes) {
    public Secret {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** An AES-256 key written as 64 hex digits or base64 of 32 bytes; the message never echoes the value. */
    static Secret aesKey(String text) {
        String t = text.strip();
        byte[] b = null;
        if (t.length() == 64 && t.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            b = HexFormat.of().parseHex(t);
        } else {
            try {
                b = Base64.getDecoder().decode(t);
            } catch (IllegalArgumentException e) {
                b = null;
            }
        }
        if (b == null || b.length != 32) {
            throw new IllegalArgumentException("must be a 32-byte key written as 64 hex digits or base64"
                    + " (generate one with: openssl rand -hex 32)");
        }
        return new Secret(b);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && Arrays.equals(bytes, s.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "<redacted>";
    }
}
