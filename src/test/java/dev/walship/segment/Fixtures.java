package dev.walship.segment;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;

/** Test data: records held in memory, written with {@link SegmentWriter}, read back with {@link SegmentReader}. */
final class Fixtures {

    private Fixtures() {
    }

    /** One page entry. */
    record Page(int pgno, byte[] image) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Page p && p.pgno == pgno && Arrays.equals(p.image, image);
        }

        @Override
        public int hashCode() {
            return pgno * 31 + Arrays.hashCode(image);
        }
    }

    /** One transaction record as written or read. */
    record Txn(TxnHeader header, List<Page> pages, long dbChecksum) {
    }

    /** What a reader returned: header, completed records, and the first failure (or null). */
    record ReadResult(SegmentHeader header, List<Txn> txns, Exception failure) {
    }

    static byte[] write(SegmentHeader h, List<Txn> txns) throws IOException {
        return write(h, txns, SegmentWriter.DEFAULT_ZSTD_LEVEL);
    }

    static byte[] write(SegmentHeader h, List<Txn> txns, int zstdLevel) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (SegmentWriter w = SegmentWriter.create(out, h, zstdLevel)) {
            for (Txn t : txns) {
                w.beginTxn(t.header());
                for (Page p : t.pages()) w.page(p.pgno(), p.image(), 0);
                w.endTxn(t.dbChecksum());
            }
            w.finish();
        }
        return out.toByteArray();
    }

    /** Reads everything; records are only reported once endTxn accepted them. Never throws from the reader. */
    static ReadResult read(byte[] file, String source, FileInfo expected) {
        List<Txn> txns = new ArrayList<>();
        SegmentHeader h = null;
        try (SegmentReader r = SegmentReader.open(new ByteArrayInputStream(file), source, expected)) {
            h = r.header();
            byte[] buf = new byte[h.pageSize()];
            for (TxnHeader t; (t = r.nextTxn()) != null; ) {
                List<Page> pages = new ArrayList<>();
                for (int i = 0; i < t.pageCount(); i++) {
                    int pgno = r.nextPage(buf);
                    pages.add(new Page(pgno, buf.clone()));
                }
                txns.add(new Txn(t, pages, r.endTxn()));
            }
            return new ReadResult(h, txns, null);
        } catch (Exception e) {
            return new ReadResult(h, txns, e);
        }
    }

    /**
     * An L0 segment of txids first..first+n-1 with repeated pages inside a record and a database that grows and
     * shrinks; checksums are computed the way the writer side must.
     */
    static List<Txn> l0Txns(long firstTxid, int n, int pageSize, long seed) {
        Random rnd = new Random(seed);
        DbChecksum sum = new DbChecksum(pageSize);
        int[] sizes = {3, 8, 8, 5, 12, 2, 9, 9, 1, 6};
        List<Txn> txns = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int dbSize = sizes[i % sizes.length];
            sum.resize(dbSize);
            List<Page> pages = new ArrayList<>();
            int count = 1 + rnd.nextInt(4);
            for (int k = 0; k < count; k++) pages.add(new Page(1 + rnd.nextInt(dbSize), image(pageSize, rnd)));
            pages.add(new Page(pages.get(0).pgno(), image(pageSize, rnd))); // a page written twice: the later wins
            for (Page p : pages) sum.setPage(p.pgno(), p.image(), 0);
            txns.add(new Txn(new TxnHeader(firstTxid + i, 1_000 + 10L * i, dbSize, pages.size()), pages, sum.value()));
        }
        return txns;
    }

    /** A snapshot record of pages 1..pages and its checksum. */
    static Txn snapshotTxn(long txid, long time, int pages, int pageSize, long seed) {
        Random rnd = new Random(seed);
        DbChecksum sum = new DbChecksum(pageSize);
        sum.resize(pages);
        List<Page> list = new ArrayList<>();
        for (int p = 1; p <= pages; p++) {
            Page page = new Page(p, image(pageSize, rnd));
            sum.setPage(p, page.image(), 0);
            list.add(page);
        }
        return new Txn(new TxnHeader(txid, time, pages, pages), list, sum.value());
    }

    /** Half random, half zero: compressible like a real page, but not trivially. */
    static byte[] image(int pageSize, Random rnd) {
        byte[] b = new byte[pageSize];
        byte[] half = new byte[pageSize / 2];
        rnd.nextBytes(half);
        System.arraycopy(half, 0, b, 0, half.length);
        return b;
    }

    /** The bytes of a record with a correct CRC, whatever its content (for crafting files writers refuse). */
    static byte[] rawRecord(long txid, long time, int dbSize, int pageCount, int[] pgnos, int pageSize, long checksum) {
        ByteBuffer b = ByteBuffer.allocate(24 + pgnos.length * (4 + pageSize) + 12);
        b.putLong(txid).putLong(time).putInt(dbSize).putInt(pageCount);
        for (int pgno : pgnos) b.putInt(pgno).put(new byte[pageSize]);
        b.putLong(checksum);
        CRC32C c = new CRC32C();
        c.update(b.array(), 0, b.position());
        b.putInt((int) c.getValue());
        return b.array();
    }

    /** Header + raw body + a correct trailer. */
    static byte[] rawFile(byte[] header, byte[] body) {
        CRC32C c = new CRC32C();
        c.update(body);
        return ByteBuffer.allocate(header.length + body.length + 16).put(header).put(body)
                .putLong(body.length).putInt((int) c.getValue()).put("WEND".getBytes(StandardCharsets.US_ASCII))
                .array();
    }

    /** A header with arbitrary field values and a correct CRC. */
    static byte[] rawHeader(int version, int kind, int level, int flags, int pageSize, int txnCount,
                            long minTxid, long maxTxid, long minTime, long maxTime) {
        ByteBuffer b = ByteBuffer.allocate(64);
        b.put("WALSHIP\0".getBytes(StandardCharsets.US_ASCII)).putShort((short) version).put((byte) kind)
                .put((byte) level).putShort((short) flags).putShort((short) 0).putInt(pageSize).putInt(txnCount)
                .putLong(minTxid).putLong(maxTxid).putLong(minTime).putLong(maxTime).putInt(0);
        CRC32C c = new CRC32C();
        c.update(b.array(), 0, 60);
        b.putInt((int) c.getValue());
        return b.array();
    }
}
