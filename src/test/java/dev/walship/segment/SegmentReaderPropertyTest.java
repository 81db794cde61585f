package dev.walship.segment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.fuzz.Fuzz;
import dev.walship.fuzz.Mutate;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * Damaged snapshots and segments of every kind, level and compression must be refused with CorruptFileException
 * or UnsupportedFormatException naming the object, and whatever was handed out before the refusal must be a
 * prefix of the original records; a decode that succeeds must yield exactly the original content. Complements
 * SegmentFuzzTest (L0 body damage behind a resealed trailer) with whole-file damage, header damage behind a
 * resealed header CRC, random bytes, and a bound on what a decode may allocate.
 */
class SegmentReaderPropertyTest {

    /** A valid file and what it holds. */
    record Original(SegmentHeader header, List<Fixtures.Txn> txns, byte[] file) {
        FileInfo info() {
            return header.toFileInfo(file.length);
        }
    }

    /** One input: the bytes, the original they came from (or null), and whether CRCs were recomputed. */
    record Case(byte[] file, Original from, boolean resealed) {
    }

    static final List<Original> ORIGINALS = originals();

    @Test
    void anyDamageIsRefusedOrChangesNothing() {
        Map<String, Integer> seen = Fuzz.run(property(20240612L, 4000));
        assertTrue(seen.getOrDefault("corrupt", 0) > 3000, seen.toString());
        assertTrue(seen.getOrDefault("unsupported", 0) > 0, seen.toString());
        // resealed damage that the format cannot see (a no-op zstd edit, say) is rare
        assertTrue(seen.getOrDefault("same-content", 0) < 30, seen.toString());
    }

    static Fuzz.Property<Case> property(long seed, int tries) {
        return Fuzz.property("segment", seed, tries, SegmentReaderPropertyTest::generate, Case::file,
                SegmentReaderPropertyTest::check);
    }

    static Case generate(Random rnd) {
        Original o = ORIGINALS.get(rnd.nextInt(ORIGINALS.size()));
        return switch (rnd.nextInt(10)) {
            case 0, 1, 2, 3 -> new Case(Mutate.bytes(o.file(), rnd), o, false);
            case 4, 5, 6 -> new Case(reseal(Mutate.bytes(o.file(), rnd)), o, true);
            case 7 -> new Case(randomHeaderFile(rnd), null, true);
            case 8 -> {
                byte[] junk = Fuzz.randomBytes(rnd, 4096);
                if (rnd.nextBoolean() && junk.length >= 8) System.arraycopy(SegmentHeader.MAGIC, 0, junk, 0, 8);
                yield new Case(junk, null, true);
            }
            default -> new Case(reseal(headerDamage(o.file(), rnd)), o, true);
        };
    }

    /** What reading {@code c} must give; returns the verdict. */
    static String check(Case c) throws IOException {
        String source = "fuzz/" + (c.from() == null ? "input" : c.from().info().name());
        // the identity from the object name is checked only when there is one
        Fixtures.ReadResult r = Fixtures.read(c.file(), source, c.from() == null ? null : c.from().info());
        if (c.from() != null) {
            List<Fixtures.Txn> want = c.from().txns();
            assertTrue(r.txns().size() <= want.size() && r.txns().equals(want.subList(0, r.txns().size())),
                    "records handed out must be a prefix of the original's");
        }
        if (r.failure() == null) {
            assertTrue(c.from() != null && c.resealed(), "a damaged file was accepted");
            assertEquals(c.from().header(), r.header(), "accepted with a different header");
            assertEquals(c.from().txns(), r.txns(), "accepted with different content");
            // resealing can undo damage to a CRC field; that is the original file, not a blind spot
            return java.util.Arrays.equals(c.file(), c.from().file()) ? "resealed-to-original" : "same-content";
        }
        Exception e = r.failure();
        assertTrue(e instanceof CorruptFileException || e instanceof UnsupportedFormatException,
                "refused with " + e);
        assertTrue(e.getMessage().startsWith("read " + source + ": "), "the error names the object: " + e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
        return e instanceof CorruptFileException ? "corrupt" : "unsupported";
    }

    @Test
    void headersThatDecodeEncodeToTheSameBytes() {
        Fuzz.Property<byte[]> p = Fuzz.property("segment-header", 20240613L, 3000, rnd -> {
            byte[] h = rnd.nextBoolean() ? randomHeaderFile(rnd) : ORIGINALS.get(rnd.nextInt(ORIGINALS.size())).file();
            return resealHeader(Mutate.bytes(java.util.Arrays.copyOf(h, 64), rnd));
        }, b -> b, h -> {
            SegmentHeader decoded;
            try {
                decoded = SegmentHeader.decode(h, "h");
            } catch (CorruptFileException | UnsupportedFormatException e) {
                assertTrue(e.getMessage().startsWith("read h: "), e.getMessage());
                return e instanceof CorruptFileException ? "corrupt" : "unsupported";
            }
            // one meaning per header: what decodes re-encodes to exactly the bytes read
            assertArrayEquals(h, decoded.encode());
            return "decoded";
        });
        Map<String, Integer> seen = Fuzz.run(p);
        assertTrue(seen.getOrDefault("decoded", 0) > 20 && seen.getOrDefault("corrupt", 0) > 100, seen.toString());
    }

    /** Valid files of each kind: L0, L1 and L2 segments and snapshots, stored plain and compressed. */
    static List<Original> originals() {
        List<Original> all = new ArrayList<>();
        try {
            for (boolean z : new boolean[] {false, true}) {
                add(all, SegmentHeader.segment(0, z, 512, 100, 104, 1_000, 1_040), Fixtures.l0Txns(100, 5, 512, 7));
                add(all, SegmentHeader.segment(0, z, 1024, 1, 1, 1_000, 1_000), Fixtures.l0Txns(1, 1, 1024, 8));
                add(all, SegmentHeader.snapshot(z, 512, 42, 9_000), List.of(Fixtures.snapshotTxn(42, 9_000, 6, 512, 9)));
                for (int level = 1; level <= 2; level++) {
                    Random rnd = new Random(level);
                    List<Fixtures.Page> pages = new ArrayList<>();
                    for (int p = 1; p <= 9; p += 1 + rnd.nextInt(3)) pages.add(new Fixtures.Page(p, Fixtures.image(512, rnd)));
                    var t = new Fixtures.Txn(new TxnHeader(80, 7_000, 9, pages.size()), pages, rnd.nextLong());
                    add(all, SegmentHeader.segment(level, z, 512, 60, 80, 6_000, 7_000), List.of(t));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return List.copyOf(all);
    }

    private static void add(List<Original> all, SegmentHeader h, List<Fixtures.Txn> txns) throws IOException {
        all.add(new Original(h, txns, Fixtures.write(h, txns)));
    }

    /** A header with random, often absurd, field values and a valid CRC, over a body of random-ish records. */
    static byte[] randomHeaderFile(Random rnd) {
        long a = pick(rnd);
        long b = rnd.nextBoolean() ? a : pick(rnd);
        byte[] header = Fixtures.rawHeader(rnd.nextInt(4) == 0 ? rnd.nextInt(3) : 1, rnd.nextInt(4), rnd.nextInt(4),
                rnd.nextInt(4) == 0 ? rnd.nextInt(4) : 0, rnd.nextBoolean() ? 512 : (int) pick(rnd), (int) pick(rnd),
                a, b, pick(rnd), pick(rnd));
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        for (int i = rnd.nextInt(3); i > 0; i--) {
            int[] pgnos = new int[rnd.nextInt(3)];
            for (int k = 0; k < pgnos.length; k++) pgnos[k] = (int) pick(rnd);
            body.writeBytes(Fixtures.rawRecord(Math.max(1, pick(rnd)), pick(rnd), (int) pick(rnd), (int) pick(rnd),
                    pgnos, 512, rnd.nextLong()));
        }
        return Fixtures.rawFile(header, body.toByteArray());
    }

    private static long pick(Random rnd) {
        return switch (rnd.nextInt(5)) {
            case 0 -> rnd.nextLong();
            case 1 -> rnd.nextInt();
            case 2 -> new long[] {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, 1L << 32}[rnd.nextInt(7)];
            default -> 1 + rnd.nextInt(10);
        };
    }

    /** Damage confined to the header's fields, which a resealed header CRC then vouches for. */
    private static byte[] headerDamage(byte[] file, Random rnd) {
        byte[] b = file.clone();
        byte[] h = Mutate.bytes(java.util.Arrays.copyOf(file, 64), rnd);
        System.arraycopy(h, 0, b, 0, Math.min(64, h.length));
        return b;
    }

    /** Recomputes the header CRC and the trailer's length and CRC, so only the deeper checks can object. */
    static byte[] reseal(byte[] file) {
        if (file.length < 80) return file;
        byte[] b = resealHeader(file);
        CRC32C c = new CRC32C();
        c.update(b, 64, b.length - 80);
        ByteBuffer.wrap(b).putLong(b.length - 16, b.length - 80).putInt(b.length - 8, (int) c.getValue());
        return b;
    }

    static byte[] resealHeader(byte[] file) {
        if (file.length < 64) return file;
        byte[] b = file.clone();
        CRC32C c = new CRC32C();
        c.update(b, 0, 60);
        ByteBuffer.wrap(b).putInt(60, (int) c.getValue());
        return b;
    }
}
