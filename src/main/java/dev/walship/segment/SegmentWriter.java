package dev.walship.segment;

import com.github.luben.zstd.ZstdOutputStream;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Streams one snapshot or segment file in the docs/FORMAT.md layout with memory that does not depend on the
 * file size; the caller owns the output stream, which {@link #close()} leaves open.
 *
 * <p>Use: {@code beginTxn}, {@code page} x pageCount, {@code endTxn} for every record, then {@code finish}.
 * Breaking a body rule of the format throws {@link IllegalStateException} at the call that breaks it.
 */
public final class SegmentWriter implements Closeable {

    /** zstd level used by {@link #create(OutputStream, SegmentHeader)}. */
    public static final int DEFAULT_ZSTD_LEVEL = 3;
    /**
     * Highest level accepted: levels 20..22 need windows above 8 MiB, which {@link SegmentReader} refuses so that a
     * corrupt frame header cannot make it allocate hundreds of MiB.
     */
    public static final int MAX_ZSTD_LEVEL = 19;

    static final byte[] TRAILER_MAGIC = "WEND".getBytes(StandardCharsets.US_ASCII);
    static final int TRAILER_SIZE = 16;
    private static final int BUFFER = 64 * 1024;

    private final OutputStream out;
    private final SegmentHeader header;
    private final CountingCrcOutputStream counter;
    private final OutputStream body;
    private final RecordRules rules;
    private final CRC32C recordCrc = new CRC32C();
    private final ByteBuffer scratch = ByteBuffer.allocate(24);
    private boolean finished;
    private boolean closed;

    private SegmentWriter(OutputStream out, SegmentHeader header, int level) throws IOException {
        this.out = out;
        this.header = header;
        this.rules = new RecordRules(header);
        out.write(header.encode());
        this.counter = new CountingCrcOutputStream(out);
        // The CRC layer sits under zstd because the trailer checksums the stored (compressed) bytes.
        OutputStream stored = header.compressed() ? new ZstdOutputStream(counter, level) : counter;
        this.body = new BufferedOutputStream(stored, BUFFER);
    }

    /** Writes the header of a new file to {@code out}, compressing the body at zstd level 3 if it says so. */
    public static SegmentWriter create(OutputStream out, SegmentHeader h) throws IOException {
        return create(out, h, DEFAULT_ZSTD_LEVEL);
    }

    /** Like {@link #create(OutputStream, SegmentHeader)} with a zstd level (ignored for raw bodies). */
    public static SegmentWriter create(OutputStream out, SegmentHeader h, int zstdLevel) throws IOException {
        if (out == null || h == null) throw new IllegalArgumentException("segment writer: out and header are required");
        if (zstdLevel > MAX_ZSTD_LEVEL) {
            throw new IllegalArgumentException("segment writer " + h.toFileInfo(-1).name() + ": zstd level "
                    + zstdLevel + " is above " + MAX_ZSTD_LEVEL);
        }
        return new SegmentWriter(out, h, zstdLevel);
    }

    public SegmentHeader header() {
        return header;
    }

    /** Starts a record; its {@code pageCount} pages must follow. */
    public void beginTxn(TxnHeader t) throws IOException {
        checkOpen();
        if (rules.inTxn()) throw broken("beginTxn " + t.txid(), "the previous record is not ended");
        check("beginTxn " + t.txid(), rules.beginTxn(t));
        recordCrc.reset();
        scratch.clear();
        scratch.putLong(t.txid()).putLong(t.time()).putInt(t.dbSize()).putInt(t.pageCount());
        emit(scratch.array(), 0, 24);
    }

    /** Appends one page entry: {@code pgno} and the {@code pageSize} bytes of {@code buf} starting at {@code off}. */
    public void page(int pgno, byte[] buf, int off) throws IOException {
        checkOpen();
        if (!rules.inTxn()) throw broken("page " + pgno, "no record is open");
        if (off < 0 || off > buf.length - header.pageSize()) {
            throw new IllegalArgumentException("segment writer " + name() + ": page " + pgno + " buffer of "
                    + buf.length + " bytes has no " + header.pageSize() + " bytes at offset " + off);
        }
        check("page " + pgno, rules.page(pgno));
        scratch.clear();
        scratch.putInt(pgno);
        emit(scratch.array(), 0, 4);
        emit(buf, off, header.pageSize());
    }

    /** Ends the record with the whole-database checksum after it. */
    public void endTxn(long dbChecksumAfter) throws IOException {
        checkOpen();
        if (!rules.inTxn()) throw broken("endTxn", "no record is open");
        check("endTxn", rules.endTxn());
        scratch.clear();
        scratch.putLong(dbChecksumAfter);
        emit(scratch.array(), 0, 8);
        scratch.clear();
        scratch.putInt((int) recordCrc.getValue());
        body.write(scratch.array(), 0, 4);
    }

    /** Ends the body and writes the trailer; the file is complete once the caller flushes/closes {@code out}. */
    public void finish() throws IOException {
        checkOpen();
        check("finish", rules.finish());
        finished = true;
        body.close(); // ends the zstd frame; the counting layer below only flushes, leaving out open
        ByteBuffer t = ByteBuffer.allocate(TRAILER_SIZE);
        t.putLong(counter.count()).putInt(counter.crc()).put(TRAILER_MAGIC);
        out.write(t.array());
        out.flush();
    }

    /** Bytes written to {@code out} so far, header and (after finish) trailer included. */
    public long bytesWritten() {
        return SegmentHeader.SIZE + counter.count() + (finished ? TRAILER_SIZE : 0);
    }

    /**
     * Releases native zstd memory. Does not close the caller's stream. Without a prior {@link #finish()} the
     * output is left without a trailer, so readers reject it; the caller should delete it.
     */
    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        if (finished) return;
        counter.discard(); // closing zstd would end the frame: keep those bytes away from an unfinished file
        body.close();
    }

    private void emit(byte[] b, int off, int len) throws IOException {
        recordCrc.update(b, off, len);
        body.write(b, off, len);
    }

    private void checkOpen() {
        if (closed || finished) throw broken("write", closed ? "the writer is closed" : "the file is finished");
    }

    private void check(String step, String error) {
        if (error != null) throw broken(step, error);
    }

    private IllegalStateException broken(String step, String what) {
        return new IllegalStateException("segment writer " + name() + ": " + step + ": " + what);
    }

    private String name() {
        return header.toFileInfo(-1).name();
    }
}
