package dev.walship.fuzz;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Mutations of valid inputs: what a flaky disk, a truncated upload or a hostile writer would make of them. */
public final class Mutate {
    /** Values that make lengths, counts and offsets misbehave when a field is trusted. */
    private static final long[] INTERESTING = {0, 1, -1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x10000,
        Integer.MAX_VALUE, Integer.MIN_VALUE, 0xffffffffL, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 40};
    /** Tokens that change meaning in YAML, URLs and paths. */
    private static final List<String> TOKENS = List.of("..", "../", "/", "//", "%", "%00", "%2e%2e", "%2f", "\0",
        "${", "}", "${X}", "$${", ":", ": ", "- ", "\n", "\n  ", "\t", "#", "?", "&", "=", "@", "[", "]", "{", "}",
        "&a ", "*a", "!!str ", "!!binary ", "'", "\"", "\\", "~", "null", "true", "-1", "1e400", "0x", "é", "\u202e",
        "\uFEFF", "\uD800", "s3://", "gs://", "file://", "x".repeat(300));

    private Mutate() {
    }

    /** One to four mutations; the result always differs from {@code src} (unless src is empty and so is it). */
    public static byte[] bytes(byte[] src, Random rnd) {
        byte[] b = src;
        for (int n = 1 + rnd.nextInt(4), guard = 0; (n > 0 || Arrays.equals(b, src)) && guard < 100; n--, guard++) {
            b = once(b, rnd);
        }
        return b;
    }

    private static byte[] once(byte[] src, Random rnd) {
        int len = src.length;
        switch (rnd.nextInt(len == 0 ? 1 : 9)) {
            case 0: { // append junk (a frame being written, or garbage after the end)
                byte[] junk = new byte[1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 3000)];
                rnd.nextBytes(junk);
                return concat(src, junk);
            }
            case 1: { // bit flip
                byte[] b = src.clone();
                b[rnd.nextInt(len)] ^= (byte) (1 << rnd.nextInt(8));
                return b;
            }
            case 2: { // byte set to a random value
                byte[] b = src.clone();
                b[rnd.nextInt(len)] = (byte) rnd.nextInt(256);
                return b;
            }
            case 3: // truncate anywhere
                return Arrays.copyOf(src, rnd.nextInt(len));
            case 4: { // overwrite a range with random bytes
                byte[] b = src.clone();
                int off = rnd.nextInt(len);
                byte[] junk = new byte[Math.min(len - off, 1 + rnd.nextInt(64))];
                rnd.nextBytes(junk);
                System.arraycopy(junk, 0, b, off, junk.length);
                return b;
            }
            case 5: { // a 2-, 4- or 8-byte big-endian field set to an interesting value
                int width = 2 << rnd.nextInt(3);
                if (len < width) return once(src, rnd);
                byte[] b = src.clone();
                int off = rnd.nextInt(len - width + 1);
                if (rnd.nextBoolean()) off -= off % width; // fields are mostly aligned
                long v = INTERESTING[rnd.nextInt(INTERESTING.length)];
                ByteBuffer bb = ByteBuffer.wrap(b);
                switch (width) {
                    case 2 -> bb.putShort(off, (short) v);
                    case 4 -> bb.putInt(off, (int) v);
                    default -> bb.putLong(off, v);
                }
                return b;
            }
            case 6: { // delete a range
                int off = rnd.nextInt(len);
                int n = Math.min(len - off, 1 + rnd.nextInt(64));
                return concat(Arrays.copyOf(src, off), Arrays.copyOfRange(src, off + n, len));
            }
            case 7: { // duplicate a range in place (a repeated write)
                int off = rnd.nextInt(len);
                int n = Math.min(len - off, 1 + rnd.nextInt(2048));
                return concat(Arrays.copyOf(src, off + n), Arrays.copyOfRange(src, off, off + n),
                        Arrays.copyOfRange(src, off + n, len));
            }
            default: { // insert random bytes
                int off = rnd.nextInt(len + 1);
                byte[] junk = new byte[1 + rnd.nextInt(32)];
                rnd.nextBytes(junk);
                return concat(Arrays.copyOf(src, off), junk, Arrays.copyOfRange(src, off, len));
            }
        }
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    /** One to four text edits: characters deleted, doubled, swapped, or a meaningful token inserted. */
    public static String text(String src, Random rnd) {
        StringBuilder s = new StringBuilder(src);
        for (int n = 1 + rnd.nextInt(4); n > 0; n--) {
            int at = s.length() == 0 ? 0 : rnd.nextInt(s.length());
            switch (s.length() < 2 ? 3 : rnd.nextInt(5)) {
                case 0 -> s.deleteCharAt(at);
                case 1 -> s.insert(at, s.charAt(at));
                case 2 -> {
                    int to = Math.min(s.length() - 1, at + 1);
                    char c = s.charAt(at);
                    s.setCharAt(at, s.charAt(to));
                    s.setCharAt(to, c);
                }
                case 3 -> s.insert(at, token(rnd));
                default -> s.replace(at, Math.min(s.length(), at + 1 + rnd.nextInt(8)), token(rnd));
            }
        }
        return s.toString();
    }

    public static String token(Random rnd) {
        return TOKENS.get(rnd.nextInt(TOKENS.size()));
    }

    /** A string of random code points, biased toward ASCII punctuation and path characters. */
    public static String randomText(Random rnd, int maxLen) {
        StringBuilder s = new StringBuilder();
        int len = rnd.nextInt(maxLen + 1);
        while (s.length() < len) {
            switch (rnd.nextInt(6)) {
                case 0 -> s.append(token(rnd));
                case 1 -> s.appendCodePoint(rnd.nextInt(0x110000) & ~0x800); // any plane, no lone surrogates
                case 2 -> s.append("/.-_:%?&=".charAt(rnd.nextInt(9)));
                default -> s.append((char) (0x20 + rnd.nextInt(0x5f)));
            }
        }
        return s.toString();
    }
}
