package dev.walship.replica.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadKeyTest {
    @TempDir Path tmp;

    /** 32 random bytes that are not all printable (as any real random key). */
    static byte[] key() {
        byte[] k = new byte[32];
        new Random(7).nextBytes(k);
        k[0] = 0;
        return k;
    }

    Path file(byte[] content) throws IOException {
        Path p = tmp.resolve("key-" + System.nanoTime());
        Files.write(p, content);
        return p;
    }

    Path file(String content) throws IOException {
        return file(content.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void acceptsRawHexAndBase64() throws IOException {
        byte[] k = key();
        String hex = HexFormat.of().formatHex(k);
        String b64 = Base64.getEncoder().encodeToString(k);
        String url = Base64.getUrlEncoder().withoutPadding().encodeToString(k);
        assertArrayEquals(k, EncryptingReplica.loadKey(file(k)), "raw");
        for (String s : List.of(hex, hex + "\n", hex.toUpperCase() + "\r\n", "  " + hex + " \n\n", b64, b64 + "\n",
                b64.replace("=", "") + "\n", url, url + "\n", "\t" + b64 + "\r\n")) {
            assertArrayEquals(k, EncryptingReplica.loadKey(file(s)), s.strip().length() + " chars");
        }
    }

    @Test
    void everyOtherShapeIsRefusedWithTheSameHelpfulMessageAndNoKeyMaterial() throws IOException {
        byte[] k = key();
        String hex = HexFormat.of().formatHex(k);
        String b64 = Base64.getEncoder().encodeToString(k);
        byte[] rawWithNewline = new byte[33];
        System.arraycopy(k, 0, rawWithNewline, 0, 32);
        rawWithNewline[32] = '\n';
        List<byte[]> bad = List.of(
                new byte[0], "\n".getBytes(StandardCharsets.US_ASCII),
                java.util.Arrays.copyOf(k, 31), rawWithNewline, java.util.Arrays.copyOf(k, 64),
                (hex.substring(0, 62) + "\n").getBytes(StandardCharsets.US_ASCII),
                (hex + "00\n").getBytes(StandardCharsets.US_ASCII),
                (hex.substring(0, 63) + "g\n").getBytes(StandardCharsets.US_ASCII),
                (hex.substring(0, 32) + " " + hex.substring(32)).getBytes(StandardCharsets.US_ASCII),
                // 32 text bytes: a 16-byte hex key, base64 of 24 bytes — not 256 random bits
                hex.substring(0, 32).getBytes(StandardCharsets.US_ASCII),
                Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(k, 24)).getBytes(StandardCharsets.US_ASCII),
                Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(k, 31)).getBytes(StandardCharsets.US_ASCII),
                Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(k, 33)).getBytes(StandardCharsets.US_ASCII),
                ("#" + b64.substring(1)).getBytes(StandardCharsets.US_ASCII),
                ("\u00e9" + hex.substring(1)).getBytes(StandardCharsets.UTF_8),
                new byte[10_000]);
        for (byte[] content : bad) {
            Path p = file(content);
            IOException e = assertThrows(IOException.class, () -> EncryptingReplica.loadKey(p), content.length + " bytes");
            assertEquals("encryption key file " + p + " must hold 32 bytes (raw, hex or base64); generate one with:"
                    + " head -c 32 /dev/urandom > " + p, e.getMessage());
            assertEquals(null, e.getCause(), "no cause that could quote the content");
            assertFalse(e.getMessage().contains(hex.substring(0, 6)));
            assertFalse(e.getMessage().contains(b64.substring(1, 7)));
        }
    }

    @Test
    void missingUnreadableAndAllZeroFilesAreRefused() throws IOException {
        Path missing = tmp.resolve("nope.key");
        IOException e = assertThrows(IOException.class, () -> EncryptingReplica.loadKey(missing));
        assertEquals("encryption key file " + missing + " does not exist; generate one with: head -c 32 /dev/urandom > "
                + missing, e.getMessage());
        Path dir = Files.createDirectory(tmp.resolve("dir.key"));
        e = assertThrows(IOException.class, () -> EncryptingReplica.loadKey(dir));
        assertTrue(e.getMessage().startsWith("encryption key file " + dir + " cannot be read"), e.getMessage());
        Path zero = file(new byte[32]);
        e = assertThrows(IOException.class, () -> EncryptingReplica.loadKey(zero));
        assertTrue(e.getMessage().contains("all-zero key"), e.getMessage());
        Path zeroHex = file("0".repeat(64) + "\n");
        assertThrows(IOException.class, () -> EncryptingReplica.loadKey(zeroHex));
    }
}
