package dev.walship.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Feeds seeded random damage to scan(): it may only stop early or throw WalException. */
class WalMutationTest {
    @TempDir
    Path tmp;

    @Test
    void twoHundredMutationsNeverInventTransactions() throws Exception {
        byte[] original = Files.readAllBytes(WalTestFiles.fixture(tmp, "valid/wal"));
        WalScan base = WalTestFiles.scanAll(original, tmp);
        WalPosition start = WalPosition.start(base.header());
        Random rnd = new Random(20240601L);
        int[] outcomes = new int[3]; // full, shorter, exception
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int i = 0; i < 200; i++) {
                byte[] m = mutate(original, rnd);
                Path f = tmp.resolve("m" + i);
                Files.write(f, m);
                try (FileChannel ch = WalTestFiles.open(f)) {
                    WalScan s = WalReader.scan(ch, start, "m" + i);
                    int n = s.txns().size();
                    assertTrue(n <= base.txns().size(), "mutation " + i);
                    assertEquals(base.txns().subList(0, n), s.txns(), "mutation " + i + " must yield a prefix");
                    outcomes[n == base.txns().size() ? 0 : 1]++;
                } catch (WalException expected) {
                    outcomes[2]++;
                } catch (Throwable t) {
                    fail("mutation " + i + " threw " + t, t);
                }
                Files.delete(f);
            }
        });
        // The seed must actually exercise each outcome, or the test proves little.
        assertTrue(outcomes[1] > 20 && outcomes[2] > 0, Arrays.toString(outcomes));
    }

    private static byte[] mutate(byte[] src, Random rnd) {
        switch (rnd.nextInt(4)) {
            case 0: { // 1-3 bit flips anywhere
                byte[] b = src.clone();
                for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                    b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                }
                return b;
            }
            case 1: // truncate anywhere, including inside the header
                return Arrays.copyOf(src, rnd.nextInt(src.length));
            case 2: { // overwrite a random range with random bytes
                byte[] b = src.clone();
                int off = rnd.nextInt(b.length);
                byte[] junk = new byte[Math.min(b.length - off, 1 + rnd.nextInt(2000))];
                rnd.nextBytes(junk);
                System.arraycopy(junk, 0, b, off, junk.length);
                return b;
            }
            default: { // random bytes appended (a frame being written, or garbage)
                byte[] junk = new byte[1 + rnd.nextInt(3000)];
                rnd.nextBytes(junk);
                byte[] b = Arrays.copyOf(src, src.length + junk.length);
                System.arraycopy(junk, 0, b, src.length, junk.length);
                return b;
            }
        }
    }
}
