package dev.walship.segment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SegmentCorruptionTest {

    private static final SegmentHeader L0 = SegmentHeader.segment(0, true, 512, 100, 105, 1_000, 1_050);

    /** Reading {@code file} must fail with one of our two errors, and every record it accepted must be genuine. */
    static Exception assertRefused(byte[] file, List<Fixtures.Txn> original, String what) {
        Fixtures.ReadResult r = Fixtures.read(file, "L0/test.seg", null);
        assertNotNull(r.failure(), what + ": the reader accepted a damaged file");
        assertTrue(r.failure() instanceof CorruptFileException || r.failure() instanceof UnsupportedFormatException,
                what + ": wrong exception type " + r.failure());
        assertTrue(r.failure().getMessage().startsWith("read L0/test.seg: "), r.failure().getMessage());
        assertEquals(original.subList(0, r.txns().size()), r.txns(), what + ": a damaged record was accepted");
        return r.failure();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void everyHeaderBitFlipIsRefused(boolean compressed) throws IOException {
        SegmentHeader h = SegmentHeader.segment(0, compressed, 512, 100, 105, 1_000, 1_050);
        List<Fixtures.Txn> txns = Fixtures.l0Txns(100, 6, 512, 1);
        byte[] good = Fixtures.write(h, txns);
        assertNull(Fixtures.read(good, "ok", null).failure());
        for (int bit = 0; bit < 64 * 8; bit++) {
            Exception e = assertRefused(flip(good, bit), txns, "header bit " + bit);
            if (bit / 8 == 9 && bit % 8 != 0) assertInstanceOf(UnsupportedFormatException.class, e, "version bit " + bit);
            if (bit / 8 != 8 && bit / 8 != 9) assertInstanceOf(CorruptFileException.class, e, "bit " + bit);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void sampledBodyAndTrailerBitFlipsAreRefused(boolean compressed) throws IOException {
        SegmentHeader h = SegmentHeader.segment(0, compressed, 512, 100, 105, 1_000, 1_050);
        List<Fixtures.Txn> txns = Fixtures.l0Txns(100, 6, 512, 2);
        byte[] good = Fixtures.write(h, txns);
        Random rnd = new Random(42);
        for (int i = 0; i < 300; i++) {
            int bit = 64 * 8 + rnd.nextInt((good.length - 64) * 8);
            assertInstanceOf(CorruptFileException.class, assertRefused(flip(good, bit), txns, "bit " + bit));
        }
        for (int bit = (good.length - 16) * 8; bit < good.length * 8; bit++) { // every trailer bit
            assertInstanceOf(CorruptFileException.class, assertRefused(flip(good, bit), txns, "trailer bit " + bit));
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void truncationsAreRefused(boolean compressed) throws IOException {
        SegmentHeader h = SegmentHeader.segment(0, compressed, 512, 100, 105, 1_000, 1_050);
        List<Fixtures.Txn> txns = Fixtures.l0Txns(100, 6, 512, 3);
        byte[] good = Fixtures.write(h, txns);
        Random rnd = new Random(43);
        for (int i = 0; i < 50; i++) {
            int len = rnd.nextInt(good.length);
            assertInstanceOf(CorruptFileException.class,
                    assertRefused(Arrays.copyOf(good, len), txns, "truncated to " + len));
        }
        for (int len : new int[] {0, 1, 63, 64, 65, 79, 80, good.length - 16, good.length - 4, good.length - 1}) {
            assertRefused(Arrays.copyOf(good, len), txns, "truncated to " + len);
        }
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        assertRefused(longer, txns, "a byte appended");
        byte[] twice = Arrays.copyOf(good, good.length * 2);
        System.arraycopy(good, 0, twice, good.length, good.length);
        assertRefused(twice, txns, "the file appended to itself");
    }

    @Test
    void headerThatDisagreesWithTheObjectNameIsRefused() throws IOException {
        byte[] good = Fixtures.write(L0, Fixtures.l0Txns(100, 6, 512, 4));
        FileInfo right = L0.toFileInfo(good.length);
        assertNull(Fixtures.read(good, right.name(), right).failure());
        for (FileInfo wrong : List.of(FileInfo.segment(1, 100, 105, 1_000, 1_050, -1),
                FileInfo.segment(0, 101, 105, 1_000, 1_050, -1), FileInfo.segment(0, 100, 106, 1_000, 1_050, -1),
                FileInfo.segment(0, 100, 105, 999, 1_050, -1), FileInfo.segment(0, 100, 105, 1_000, 1_051, -1),
                FileInfo.snapshot(105, 1_050, -1))) {
            Exception e = Fixtures.read(good, wrong.name(), wrong).failure();
            assertInstanceOf(CorruptFileException.class, e, wrong.name());
            assertTrue(e.getMessage().contains(wrong.name()) && e.getMessage().contains(right.name()), e.getMessage());
        }
    }

    @Test
    void newerFormatsAreRefusedAsUnsupported() {
        byte[] body = Fixtures.rawRecord(1, 1, 0, 0, new int[0], 512, 0);
        Exception flags = Fixtures.read(Fixtures.rawFile(Fixtures.rawHeader(1, 2, 0, 0x0003, 512, 1, 1, 1, 1, 1), body),
                "snapshots/a.snap", null).failure();
        assertInstanceOf(UnsupportedFormatException.class, flags);
        assertTrue(flags.getMessage().contains("upgrade walship"), flags.getMessage());
        Exception v2 = Fixtures.read(Fixtures.rawFile(Fixtures.rawHeader(2, 2, 0, 0, 512, 1, 1, 1, 1, 1), body),
                "snapshots/a.snap", null).failure();
        assertInstanceOf(UnsupportedFormatException.class, v2);
        assertEquals("read snapshots/a.snap: written by a newer walship (format 2); upgrade walship", v2.getMessage());
        assertEquals(2, ((UnsupportedFormatException) v2).format());
        // the same file as version 1 is fine: only the version made the difference
        assertNull(Fixtures.read(Fixtures.rawFile(Fixtures.rawHeader(1, 2, 0, 0, 512, 1, 1, 1, 1, 1), body),
                "snapshots/a.snap", null).failure());
    }

    /** Files with valid CRCs everywhere that break a body rule: the reader's own checks must catch them. */
    @Test
    void structurallyInvalidFilesWithValidChecksumsAreRefused() {
        byte[] snapHeader = Fixtures.rawHeader(1, 2, 0, 0, 512, 1, 5, 5, 7, 7);
        byte[] l0Header = Fixtures.rawHeader(1, 1, 0, 0, 512, 2, 5, 6, 7, 8);
        List<byte[]> bad = List.of(
                Fixtures.rawFile(snapHeader, Fixtures.rawRecord(5, 7, 2, 2, new int[] {1, 3}, 512, 0)), // pgno > dbSize
                Fixtures.rawFile(snapHeader, Fixtures.rawRecord(5, 7, 2, 2, new int[] {2, 1}, 512, 0)), // out of order
                Fixtures.rawFile(snapHeader, Fixtures.rawRecord(5, 7, 3, 2, new int[] {1, 2}, 512, 0)), // missing page
                Fixtures.rawFile(snapHeader, Fixtures.rawRecord(4, 7, 0, 0, new int[0], 512, 0)), // wrong txid
                Fixtures.rawFile(snapHeader, Fixtures.rawRecord(5, 8, 0, 0, new int[0], 512, 0)), // wrong time
                Fixtures.rawFile(snapHeader, Fixtures.rawRecord(5, 7, -1, -1, new int[0], 512, 0)), // negative sizes
                Fixtures.rawFile(snapHeader, Fixtures.rawRecord(5, 7, Integer.MAX_VALUE, Integer.MAX_VALUE,
                        new int[] {1}, 512, 0)), // a page count far beyond what follows
                Fixtures.rawFile(snapHeader, new byte[0]), // no record at all
                Fixtures.rawFile(snapHeader, concat(Fixtures.rawRecord(5, 7, 0, 0, new int[0], 512, 0),
                        new byte[] {0})), // a byte after the last record
                Fixtures.rawFile(l0Header, concat(Fixtures.rawRecord(6, 7, 1, 0, new int[0], 512, 0),
                        Fixtures.rawRecord(5, 8, 1, 0, new int[0], 512, 0))), // txids backwards
                Fixtures.rawFile(l0Header, concat(Fixtures.rawRecord(5, 8, 1, 0, new int[0], 512, 0),
                        Fixtures.rawRecord(6, 7, 1, 0, new int[0], 512, 0))), // time backwards
                Fixtures.rawFile(Fixtures.rawHeader(1, 1, 0, 0, 512, 3, 5, 6, 7, 8), new byte[0]), // count vs range
                Fixtures.rawFile(Fixtures.rawHeader(1, 2, 0, 0, 1000, 1, 5, 5, 7, 7), new byte[0]), // page size
                Fixtures.rawFile(Fixtures.rawHeader(1, 3, 0, 0, 512, 1, 5, 5, 7, 7), new byte[0])); // kind
        for (int i = 0; i < bad.size(); i++) {
            Exception e = Fixtures.read(bad.get(i), "case-" + i, null).failure();
            assertInstanceOf(CorruptFileException.class, e, "case " + i);
        }
        // and the well-formed version of the same construction is accepted
        assertNull(Fixtures.read(Fixtures.rawFile(snapHeader, Fixtures.rawRecord(5, 7, 2, 2, new int[] {1, 2}, 512, 0)),
                "fine", null).failure());
    }

    @Test
    void sourceIoErrorsAreNotReportedAsCorruption() throws IOException {
        byte[] good = Fixtures.write(L0, Fixtures.l0Txns(100, 6, 512, 5));
        java.io.InputStream failing = new java.io.InputStream() {
            int pos;

            @Override
            public int read() throws IOException {
                if (pos >= 200) throw new IOException("connection reset");
                return good[pos++] & 0xff;
            }
        };
        SegmentReader r = SegmentReader.open(failing, "L0/x.seg", null);
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> {
            for (TxnHeader t; (t = r.nextTxn()) != null; ) {
                for (int i = 0; i < t.pageCount(); i++) r.nextPage(new byte[512]);
                r.endTxn();
            }
        });
        assertTrue(!(e instanceof CorruptFileException) && e.getMessage().contains("connection reset")
                && e.getMessage().startsWith("read L0/x.seg: "), e.toString());
        r.close();
    }

    static byte[] flip(byte[] b, int bit) {
        byte[] c = b.clone();
        c[bit / 8] ^= (byte) (1 << (bit % 8));
        return c;
    }

    static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }
}
