package dev.walship.replica.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.replica.file.FileReplica;
import dev.walship.segment.FileInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 50 MiB round trip in a JVM whose whole heap is 32 MiB: it can only pass if upload and download stream.
 * The file is generated, encrypted, stored, decrypted and hashed without ever being held in memory.
 */
class LargeFileFlatMemoryTest {
    static final long SIZE = 50L << 20;
    static final long OFFSET = (37L << 20) + 123;

    @TempDir Path tmp;

    @Test
    void fiftyMebibytesRoundTripInA32MebibyteHeap() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx32m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), RoundTrip.class.getName(), tmp.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "timed out: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("OK"), out);
        FileInfo f = RoundTrip.FILE;
        assertEquals(EncryptingReplica.storedSize(SIZE), Files.size(tmp.resolve("replica").resolve(f.name())));
        try (var s = Files.list(tmp)) {
            assertEquals(List.of("replica"), s.map(x -> x.getFileName().toString()).sorted().toList(),
                    "no plaintext or temp file left behind");
        }
    }

    /** Runs in the small-heap JVM. */
    public static final class RoundTrip {
        static final FileInfo FILE = FileInfo.snapshot(1, 1000, -1);

        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            Path local = dir.resolve("big.snap");
            byte[] key = new byte[32];
            new Random(1).nextBytes(key);
            MessageDigest source = MessageDigest.getInstance("SHA-256");
            MessageDigest sourceTail = MessageDigest.getInstance("SHA-256");
            Random rnd = new Random(2);
            byte[] buf = new byte[1 << 16];
            try (OutputStream out = Files.newOutputStream(local)) {
                for (long written = 0; written < SIZE; written += buf.length) {
                    rnd.nextBytes(buf);
                    out.write(buf);
                    source.update(buf);
                    long from = Math.max(0, OFFSET - written);
                    if (from < buf.length) sourceTail.update(buf, (int) from, buf.length - (int) from);
                }
            }
            try (EncryptingReplica enc = EncryptingReplica.wrap(new FileReplica(dir.resolve("replica")), key)) {
                enc.upload(FILE, local);
                Files.delete(local);
                FileInfo listed = enc.listFiles().get(0);
                check(listed.size() == SIZE, "listed size " + listed.size());
                check(MessageDigest.isEqual(source.digest(), digest(enc.open(listed), buf)), "content differs");
                check(MessageDigest.isEqual(sourceTail.digest(), digest(enc.open(listed, OFFSET), buf)),
                        "content from offset differs");
            }
            long maxHeap = Runtime.getRuntime().maxMemory();
            System.out.println("OK max heap " + (maxHeap >> 20) + " MiB");
        }

        private static byte[] digest(InputStream in, byte[] buf) throws IOException, Exception {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            try (in) {
                for (int n; (n = in.read(buf)) > 0; ) d.update(buf, 0, n);
            }
            return d.digest();
        }

        private static void check(boolean ok, String what) {
            if (!ok) {
                System.out.println("FAILED: " + what);
                System.exit(1);
            }
        }

        static String hex(byte[] b) {
            return HexFormat.of().formatHex(b);
        }
    }
}
