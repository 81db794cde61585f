package dev.walship.segment;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Damage that the trailer's body CRC cannot see (the CRC is recomputed after mutating), so the decoder, the record
 * CRCs and the body rules must catch it. Inputs that once made the reader fail badly are replayed by
 * SegmentFuzzRegressionTest from src/test/resources/fuzz/segment.
 */
class SegmentFuzzTest {

    static final Path REGRESSIONS = dev.walship.fuzz.Fuzz.FIXTURES.resolve("segment");

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void bodyDamageBehindAValidTrailerIsCaught(boolean compressed) throws IOException {
        SegmentHeader h = SegmentHeader.segment(0, compressed, 512, 100, 105, 1_000, 1_050);
        List<Fixtures.Txn> txns = Fixtures.l0Txns(100, 6, 512, 9);
        byte[] good = Fixtures.write(h, txns);
        Random rnd = new Random(2024);
        int accepted = 0;
        for (int i = 0; i < 2000; i++) {
            byte[] bad = good.clone();
            int edits = 1 + rnd.nextInt(4);
            for (int k = 0; k < edits; k++) {
                int pos = 64 + rnd.nextInt(bad.length - 80);
                bad[pos] = rnd.nextInt(3) == 0 ? (byte) rnd.nextInt(256) : (byte) (bad[pos] ^ (1 << rnd.nextInt(8)));
            }
            resealTrailer(bad);
            Fixtures.ReadResult r = Fixtures.read(bad, "fuzz", null);
            if (r.failure() == null) {
                // a zstd edit can be a no-op on the output; then what was read must be exactly the original
                assertEquals(txns, r.txns(), "mutation " + i + " was accepted with different content");
                accepted++;
                continue;
            }
            if (!(r.failure() instanceof CorruptFileException)) {
                Path saved = save(bad, "fuzz-" + compressed + "-" + i);
                assertInstanceOf(CorruptFileException.class, r.failure(), "mutation " + i + " (input saved to "
                        + saved + ": add it to " + REGRESSIONS + ")");
            }
            assertEquals(txns.subList(0, r.txns().size()), r.txns(), "mutation " + i + ": damaged record accepted");
        }
        assertTrue(accepted < 20, accepted + " mutations went unnoticed");
    }

    /** Rewrites the trailer so length and CRC describe the (damaged) body. */
    static void resealTrailer(byte[] file) {
        CRC32C c = new CRC32C();
        c.update(file, 64, file.length - 80);
        ByteBuffer.wrap(file).putLong(file.length - 16, file.length - 80).putInt(file.length - 8, (int) c.getValue());
    }

    private static Path save(byte[] file, String name) throws IOException {
        Path dir = Files.createDirectories(dev.walship.fuzz.Fuzz.FAILURES.resolve("segment"));
        return Files.write(dir.resolve(name + ".bin"), file);
    }
}
