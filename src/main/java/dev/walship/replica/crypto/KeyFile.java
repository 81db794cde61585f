package dev.walship.replica.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/** Reads a 32-byte master key from a file. Never puts key material into a message or an exception cause. */
final class KeyFile {
    static final int KEY_SIZE = 32;
    /** Bigger files are not key files; reading stops there so a wrong path cannot fill the heap. */
    private static final int MAX_FILE = 4096;

    private KeyFile() {}

    static byte[] load(Path file) throws IOException {
        byte[] content;
        try (InputStream in = Files.newInputStream(file)) {
            content = in.readNBytes(MAX_FILE + 1);
        } catch (NoSuchFileException e) {
            throw new IOException("encryption key file " + file + " does not exist; generate one with: "
                    + generate(file));
        } catch (IOException e) {
            throw new IOException("encryption key file " + file + " cannot be read ("
                    + e.getClass().getSimpleName() + "); check the path and its permissions");
        }
        try {
            byte[] key = parse(content);
            if (key == null) throw new IOException(shapeError(file));
            boolean zero = true;
            for (byte b : key) zero &= b == 0;
            if (zero) {
                Arrays.fill(key, (byte) 0);
                throw new IOException("encryption key file " + file + " holds an all-zero key; generate a random one"
                        + " with: " + generate(file));
            }
            return key;
        } finally {
            Arrays.fill(content, (byte) 0);
        }
    }

    static String shapeError(Path file) {
        return "encryption key file " + file + " must hold 32 bytes (raw, hex or base64); generate one with: "
                + generate(file);
    }

    private static String generate(Path file) {
        return "head -c 32 /dev/urandom > " + file;
    }

    /** The key, or null when the content has none of the accepted shapes. */
    static byte[] parse(byte[] content) {
        if (content.length == KEY_SIZE) {
            // 32 bytes that are all text are a hex or base64 key of the wrong length, not 256 random bits
            // (a random key is all printable with probability (95/256)^32, about 1e-14)
            return isText(content, 0, KEY_SIZE) ? null : content.clone();
        }
        int from = 0;
        int to = content.length;
        while (from < to && isSpace(content[from])) from++;
        while (to > from && isSpace(content[to - 1])) to--;
        if (!isText(content, from, to)) return null;
        String text = new String(content, from, to - from, StandardCharsets.US_ASCII);
        byte[] key = null;
        if (text.length() == 2 * KEY_SIZE && isHex(text)) {
            key = HexFormat.of().parseHex(text);
        } else if (text.length() == 43 || text.length() == 44) {
            key = base64(text, Base64.getDecoder());
            if (key == null) key = base64(text, Base64.getUrlDecoder());
        }
        return key != null && key.length == KEY_SIZE ? key : null;
    }

    private static byte[] base64(String text, Base64.Decoder d) {
        try {
            return d.decode(text);
        } catch (IllegalArgumentException e) {
            return null; // its message quotes the offending character: never passed on
        }
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), 16) < 0) return false;
        }
        return true;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    private static boolean isText(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] < 0x20 || b[i] > 0x7e) return false;
        }
        return true;
    }
}
