package dev.walship.segment;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Hands the body to the layers above while holding back the last {@value #TAIL} bytes of the stream (the
 * trailer), so no decoder can consume the trailer and a truncated file is detected whether or not the body is
 * compressed; it also counts and CRC32C-sums the body bytes it hands out (the stored bytes the trailer covers).
 */
final class TailHoldingInputStream extends InputStream {

    static final int TAIL = SegmentWriter.TRAILER_SIZE;

    /** An I/O failure of the underlying stream, kept apart so it is not reported as file corruption. */
    static final class SourceException extends IOException {
        SourceException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private final InputStream in;
    private final byte[] buf = new byte[64 * 1024 + TAIL];
    private final CRC32C crc = new CRC32C();
    private int start;
    private int end;
    private boolean eof;
    private long count;

    TailHoldingInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        while (end - start <= TAIL && !eof) fill();
        int ready = end - start - TAIL;
        if (ready <= 0) return -1;
        int n = Math.min(len, ready);
        System.arraycopy(buf, start, b, off, n);
        crc.update(buf, start, n);
        start += n;
        count += n;
        return n;
    }

    private void fill() throws IOException {
        if (start > 0) {
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
        }
        int n;
        try {
            n = in.read(buf, end, buf.length - end);
        } catch (IOException e) {
            throw new SourceException(e);
        }
        if (n < 0) eof = true;
        else end += n;
    }

    /** Reads the rest of the body and returns how many bytes there were (the decoder above left them). */
    long drainBody() throws IOException {
        byte[] skip = new byte[8192];
        long extra = 0;
        for (int n; (n = read(skip, 0, skip.length)) > 0; ) extra += n;
        return extra;
    }

    /** After the body is drained: the trailer bytes, or null if the stream held fewer than {@value #TAIL}. */
    byte[] trailer() {
        if (!eof || end - start != TAIL) return null;
        return Arrays.copyOfRange(buf, start, end);
    }

    /** Whether the whole stream has been read and does not end in the trailer magic (words truncation errors). */
    boolean cutShort() {
        return eof && (end - start < 4 || !Arrays.equals(buf, end - 4, end, SegmentWriter.TRAILER_MAGIC, 0, 4));
    }

    long count() {
        return count;
    }

    int crc() {
        return (int) crc.getValue();
    }
}
