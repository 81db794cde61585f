package dev.walship.segment;

import com.github.luben.zstd.ZstdInputStream;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Streams the records of one snapshot or segment file and verifies every checksum and body rule of
 * docs/FORMAT.md on the way, with memory that does not depend on the file size; the caller owns the input stream.
 *
 * <p>Use: {@code nextTxn}, {@code nextPage} x pageCount, {@code endTxn}, until {@code nextTxn} returns null. Pages
 * are handed out before their record's CRC is checked, so a caller must not treat a record as valid until
 * {@link #endTxn()} returns, nor the file until {@link #nextTxn()} returns null.
 */
public final class SegmentReader implements Closeable {

    /** 8 MiB windows: enough for zstd levels up to 19, and a bound on what a corrupt frame header can allocate. */
    private static final int MAX_WINDOW_LOG = 23;

    private final String source;
    private final SegmentHeader header;
    private final TailHoldingInputStream tail;
    private final InputStream body;
    private final RecordRules rules;
    private final CRC32C recordCrc = new CRC32C();
    private final byte[] scratch = new byte[24];
    private TxnHeader txn;
    private int pagesRead;
    private boolean done;
    private boolean failed;

    private SegmentReader(String source, SegmentHeader header, TailHoldingInputStream tail, InputStream body) {
        this.source = source;
        this.header = header;
        this.tail = tail;
        this.body = body;
        this.rules = new RecordRules(header);
    }

    /**
     * Reads and verifies the header of the file {@code source} (its object name, used in errors), and that it
     * agrees with {@code expectedOrNull} (the identity parsed from the object name) when given.
     */
    public static SegmentReader open(InputStream in, String source, FileInfo expectedOrNull) throws IOException {
        byte[] h;
        try {
            h = in.readNBytes(SegmentHeader.SIZE);
        } catch (IOException e) {
            throw new IOException("read " + source + ": reading the header failed: " + e.getMessage(), e);
        }
        if (h.length < SegmentHeader.SIZE) {
            throw new CorruptFileException(source, "file is " + h.length + " bytes, shorter than the "
                    + SegmentHeader.SIZE + "-byte header");
        }
        SegmentHeader header = SegmentHeader.decode(h, source);
        if (expectedOrNull != null) header.checkAgrees(expectedOrNull, source);
        TailHoldingInputStream tail = new TailHoldingInputStream(in);
        InputStream body = tail;
        if (header.compressed()) {
            try {
                // CRC and length are taken below the decompressor: the trailer covers the stored bytes
                body = new BufferedInputStream(new ZstdInputStream(tail).setLongMax(MAX_WINDOW_LOG), 64 * 1024);
            } catch (IOException | RuntimeException e) {
                throw new IOException("read " + source + ": starting the zstd decoder failed: " + e.getMessage(), e);
            }
        }
        return new SegmentReader(source, header, tail, body);
    }

    public SegmentHeader header() {
        return header;
    }

    public String source() {
        return source;
    }

    /** The next record's header, or null after the last one, once the trailer and body checksums are verified. */
    public TxnHeader nextTxn() throws IOException {
        usable("nextTxn");
        if (txn != null) throw new IllegalStateException("read " + source + ": nextTxn before endTxn of " + txn.txid());
        if (done) return null;
        try {
            if (rules.records() == header.txnCount()) {
                verifyEnd();
                done = true;
                return null;
            }
            recordCrc.reset();
            String where = "record " + rules.records();
            readFully(scratch, 24, where);
            ByteBuffer b = ByteBuffer.wrap(scratch);
            long txid = b.getLong(0);
            int dbSize = b.getInt(16);
            int pageCount = b.getInt(20);
            if (txid < 1 || dbSize < 0 || pageCount < 0) {
                throw corrupt(where + " header is invalid (txid " + txid + ", dbSize " + Integer.toUnsignedString(dbSize)
                        + ", pageCount " + Integer.toUnsignedString(pageCount) + ")");
            }
            TxnHeader t = new TxnHeader(txid, b.getLong(8), dbSize, pageCount);
            String error = rules.beginTxn(t);
            if (error != null) throw corrupt(error);
            txn = t;
            pagesRead = 0;
            return t;
        } catch (IOException | RuntimeException e) {
            throw fail(e, "reading a record header");
        }
    }

    /** Fills {@code buf} (at least pageSize bytes) with the next page of the record and returns its page number. */
    public int nextPage(byte[] buf) throws IOException {
        usable("nextPage");
        if (txn == null) throw new IllegalStateException("read " + source + ": nextPage outside a record");
        if (pagesRead >= txn.pageCount()) {
            throw new IllegalStateException("read " + source + ": txid " + txn.txid() + " has only "
                    + txn.pageCount() + " pages");
        }
        if (buf.length < header.pageSize()) {
            throw new IllegalArgumentException("read " + source + ": page buffer of " + buf.length
                    + " bytes is smaller than the page size " + header.pageSize());
        }
        try {
            String where = "txid " + txn.txid() + " page entry " + pagesRead;
            readFully(scratch, 4, where);
            int pgno = ByteBuffer.wrap(scratch).getInt(0);
            String error = rules.page(pgno);
            if (error != null) throw corrupt(error);
            readFully(buf, header.pageSize(), where);
            pagesRead++;
            return pgno;
        } catch (IOException | RuntimeException e) {
            throw fail(e, "reading a page");
        }
    }

    /** Verifies the record's CRC32C and returns the whole-database checksum stored after its pages. */
    public long endTxn() throws IOException {
        usable("endTxn");
        if (txn == null) throw new IllegalStateException("read " + source + ": endTxn outside a record");
        if (pagesRead != txn.pageCount()) {
            throw new IllegalStateException("read " + source + ": endTxn after " + pagesRead + " of "
                    + txn.pageCount() + " pages of txid " + txn.txid());
        }
        try {
            String where = "txid " + txn.txid() + " checksum";
            readFully(scratch, 8, where);
            long dbChecksum = ByteBuffer.wrap(scratch).getLong(0);
            int expected = (int) recordCrc.getValue();
            readFully(scratch, 4, where);
            if (ByteBuffer.wrap(scratch).getInt(0) != expected) throw corrupt("txid " + txn.txid() + " record CRC32C mismatch");
            String error = rules.endTxn();
            if (error != null) throw corrupt(error);
            txn = null;
            return dbChecksum;
        } catch (IOException | RuntimeException e) {
            throw fail(e, "reading a record checksum");
        }
    }

    /** Releases the decoder; does not close the caller's input stream. */
    @Override
    public void close() throws IOException {
        failed = true;
        body.close(); // the tail layer's close is a no-op, so the caller's stream stays open
    }

    private void verifyEnd() throws IOException {
        if (body.read() >= 0) throw corrupt("data follows the last of the " + header.txnCount() + " records");
        if (tail.drainBody() > 0) throw corrupt("stored bytes follow the end of the compressed body");
        byte[] t = tail.trailer();
        if (t == null) throw corrupt("file ends before its " + SegmentWriter.TRAILER_SIZE + "-byte trailer");
        if (!Arrays.equals(t, 12, 16, SegmentWriter.TRAILER_MAGIC, 0, 4)) {
            throw corrupt("trailer magic WEND is missing (truncated upload?)");
        }
        ByteBuffer b = ByteBuffer.wrap(t);
        if (b.getLong(0) != tail.count()) {
            throw corrupt("trailer says the body is " + b.getLong(0) + " bytes but it is " + tail.count());
        }
        if (b.getInt(8) != tail.crc()) throw corrupt("body CRC32C mismatch");
    }

    private void readFully(byte[] b, int len, String where) throws IOException {
        int n = body.readNBytes(b, 0, len);
        if (n < len) {
            throw corrupt("body ends inside " + where + truncationHint());
        }
        recordCrc.update(b, 0, len);
    }

    private void usable(String step) {
        if (failed) throw new IllegalStateException("read " + source + ": " + step + " after the reader failed or closed");
    }

    private CorruptFileException corrupt(String what) {
        return new CorruptFileException(source, what);
    }

    /** Marks the reader failed and turns anything below it into a corrupt-file error, except real I/O failures. */
    private IOException fail(Exception e, String step) {
        failed = true;
        if (e instanceof CorruptFileException || e instanceof UnsupportedFormatException) return (IOException) e;
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof TailHoldingInputStream.SourceException s) {
                return new IOException("read " + source + ": " + step + " failed: " + s.getMessage(), s.getCause());
            }
        }
        String what = e.getClass().getSimpleName() + ": " + e.getMessage();
        return new CorruptFileException(source, step + " failed: " + what + truncationHint(), e);
    }

    private String truncationHint() {
        return tail.cutShort() ? "; the file has no WEND trailer, so it was cut short" : "";
    }
}
