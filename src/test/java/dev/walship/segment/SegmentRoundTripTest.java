package dev.walship.segment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SegmentRoundTripTest {

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void l0SegmentRoundTrips(boolean compressed) throws IOException {
        List<Fixtures.Txn> txns = Fixtures.l0Txns(41, 12, 1024, 7);
        SegmentHeader h = SegmentHeader.segment(0, compressed, 1024, 41, 52, 1_000, 1_110);
        byte[] file = Fixtures.write(h, txns);

        Fixtures.ReadResult r = Fixtures.read(file, h.toFileInfo(-1).name(), h.toFileInfo(file.length));
        assertNull(r.failure());
        assertEquals(h, r.header());
        assertEquals(txns, r.txns());
        // the checksum after the last record is that of the database the records build up
        DbChecksum applied = new DbChecksum(1024);
        for (Fixtures.Txn t : r.txns()) {
            applied.resize(t.header().dbSize());
            for (Fixtures.Page p : t.pages()) applied.setPage(p.pgno(), p.image(), 0);
            assertEquals(t.dbChecksum(), applied.value(), "checksum after txid " + t.header().txid());
        }
    }

    /** The follower compresses large L0 batches at zstd's fast levels; readers need nothing new for them. */
    @ParameterizedTest
    @ValueSource(ints = {-5, -1, 1, 19})
    void everyWriterLevelReadsBack(int level) throws IOException {
        List<Fixtures.Txn> txns = Fixtures.l0Txns(1, 12, 4096, 5);
        SegmentHeader h = SegmentHeader.segment(0, true, 4096, 1, 12, 1_000, 1_110);
        byte[] file = Fixtures.write(h, txns, level);
        Fixtures.ReadResult r = Fixtures.read(file, h.toFileInfo(-1).name(), h.toFileInfo(file.length));
        assertNull(r.failure());
        assertEquals(txns, r.txns());
    }

    @Test
    void compressionShrinksTheBody() throws IOException {
        List<Fixtures.Txn> txns = Fixtures.l0Txns(1, 12, 4096, 3);
        byte[] raw = Fixtures.write(SegmentHeader.segment(0, false, 4096, 1, 12, 1_000, 1_110), txns);
        byte[] zst = Fixtures.write(SegmentHeader.segment(0, true, 4096, 1, 12, 1_000, 1_110), txns);
        assertTrue(zst.length < raw.length * 3 / 4, "compressed " + zst.length + " vs raw " + raw.length);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void snapshotOf1000PagesRoundTrips(boolean compressed) throws IOException {
        Fixtures.Txn snap = Fixtures.snapshotTxn(500, 123_456, 1000, 4096, 11);
        SegmentHeader h = SegmentHeader.snapshot(compressed, 4096, 500, 123_456);
        byte[] file = Fixtures.write(h, List.of(snap));
        assertEquals("snapshots/00000000000001f4-000000000001e240.snap", h.toFileInfo(file.length).name());

        Fixtures.ReadResult r = Fixtures.read(file, "snap", FileInfo.parse(h.toFileInfo(-1).name(), file.length).get());
        assertNull(r.failure());
        assertEquals(List.of(snap), r.txns());
        assertEquals(1000, r.txns().get(0).pages().size());
    }

    @Test
    void compactedSegmentHoldsOneSortedRecord() throws IOException {
        SegmentHeader h = SegmentHeader.segment(1, true, 512, 10, 20, 5, 9);
        assertEquals(1, h.txnCount());
        byte[] img = new byte[512];
        img[0] = 42;
        List<Fixtures.Txn> txns = List.of(new Fixtures.Txn(new TxnHeader(20, 9, 7, 2),
                List.of(new Fixtures.Page(2, img), new Fixtures.Page(7, img)), 99L));
        byte[] file = Fixtures.write(h, txns);
        Fixtures.ReadResult r = Fixtures.read(file, "L1", h.toFileInfo(file.length));
        assertNull(r.failure());
        assertEquals(txns, r.txns());
    }

    @Test
    void headerEncodingRoundTrips() throws IOException {
        SegmentHeader h = SegmentHeader.segment(2, true, 65536, 7, 9, -5, 1L << 40);
        byte[] bytes = h.encode();
        assertEquals(64, bytes.length);
        assertArrayEquals("WALSHIP\0".getBytes(), java.util.Arrays.copyOf(bytes, 8));
        assertEquals(h, SegmentHeader.decode(bytes, "x"));
    }

    @Test
    void headerRejectsImpossibleValues() {
        assertThrows(IllegalArgumentException.class, () -> SegmentHeader.segment(0, true, 1000, 1, 2, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> SegmentHeader.segment(0, true, 256, 1, 2, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> SegmentHeader.segment(0, true, 131072, 1, 2, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> SegmentHeader.segment(3, true, 4096, 1, 2, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> SegmentHeader.segment(0, true, 4096, 0, 2, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> SegmentHeader.segment(0, true, 4096, 3, 2, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> SegmentHeader.segment(0, true, 4096, 1, 2, 5, 4));
        assertThrows(IllegalArgumentException.class, () -> new SegmentHeader(FileInfo.Kind.SEGMENT, 0, true, 4096,
                3, 1, 2, 0, 0)); // L0 needs one record per txid
        assertThrows(IllegalArgumentException.class, () -> new SegmentHeader(FileInfo.Kind.SNAPSHOT, 1, true, 4096,
                1, 2, 2, 0, 0));
    }

    @Test
    void writerRefusesBrokenBodies() throws IOException {
        byte[] img = new byte[512];
        SegmentHeader l0 = SegmentHeader.segment(0, false, 512, 1, 2, 0, 10);
        // too few records
        try (SegmentWriter w = SegmentWriter.create(new ByteArrayOutputStream(), l0)) {
            w.beginTxn(new TxnHeader(1, 0, 1, 0));
            w.endTxn(0);
            assertThrows(IllegalStateException.class, w::finish);
        }
        // txid not increasing / not the next one
        try (SegmentWriter w = SegmentWriter.create(new ByteArrayOutputStream(), l0)) {
            w.beginTxn(new TxnHeader(1, 0, 1, 0));
            w.endTxn(0);
            assertThrows(IllegalStateException.class, () -> w.beginTxn(new TxnHeader(1, 0, 1, 0)));
        }
        // page above the database size, and fewer pages than announced
        try (SegmentWriter w = SegmentWriter.create(new ByteArrayOutputStream(), l0)) {
            w.beginTxn(new TxnHeader(1, 0, 2, 2));
            assertThrows(IllegalStateException.class, () -> w.page(3, img, 0));
            w.page(2, img, 0);
            assertThrows(IllegalStateException.class, () -> w.endTxn(0));
        }
        // too many pages, a time outside the header's range, a short page buffer
        try (SegmentWriter w = SegmentWriter.create(new ByteArrayOutputStream(), l0)) {
            assertThrows(IllegalStateException.class, () -> w.beginTxn(new TxnHeader(1, 11, 1, 1)));
            w.beginTxn(new TxnHeader(1, 0, 1, 1));
            assertThrows(IllegalArgumentException.class, () -> w.page(1, new byte[100], 0));
            w.page(1, img, 0);
            assertThrows(IllegalStateException.class, () -> w.page(1, img, 0));
        }
        // a snapshot must hold every page in order
        try (SegmentWriter w = SegmentWriter.create(new ByteArrayOutputStream(), SegmentHeader.snapshot(true, 512, 5, 5))) {
            assertThrows(IllegalStateException.class, () -> w.beginTxn(new TxnHeader(5, 5, 3, 2)));
            w.beginTxn(new TxnHeader(5, 5, 2, 2));
            assertThrows(IllegalStateException.class, () -> w.page(2, img, 0));
        }
        assertThrows(IllegalArgumentException.class,
                () -> SegmentWriter.create(new ByteArrayOutputStream(), l0, 22));
    }

    @Test
    void closeLeavesTheCallersStreamOpenAndAnUnfinishedFileUnreadable() throws IOException {
        class Tracking extends ByteArrayOutputStream {
            boolean closed;

            @Override
            public void close() {
                closed = true;
            }
        }
        Tracking out = new Tracking();
        SegmentHeader h = SegmentHeader.snapshot(true, 512, 1, 1);
        try (SegmentWriter w = SegmentWriter.create(out, h)) {
            w.beginTxn(new TxnHeader(1, 1, 1, 1));
            w.page(1, new byte[512], 0);
        }
        assertFalse(out.closed);
        assertTrue(Fixtures.read(out.toByteArray(), "unfinished", null).failure() instanceof CorruptFileException);

        Tracking done = new Tracking();
        long written;
        try (SegmentWriter w = SegmentWriter.create(done, h)) {
            w.beginTxn(new TxnHeader(1, 1, 1, 1));
            w.page(1, new byte[512], 0);
            w.endTxn(5);
            w.finish();
            written = w.bytesWritten();
        }
        assertFalse(done.closed);
        assertEquals(done.size(), written);
        assertNull(Fixtures.read(done.toByteArray(), "done", null).failure());
    }
}
