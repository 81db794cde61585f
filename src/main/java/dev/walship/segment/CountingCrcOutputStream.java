package dev.walship.segment;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32C;

/**
 * Counts and CRC32C-sums the stored body bytes on their way to the caller's stream, which it never closes
 * (the caller owns it); after {@link #discard()} it swallows writes so an aborted zstd stream can be freed.
 */
final class CountingCrcOutputStream extends FilterOutputStream {

    private final CRC32C crc = new CRC32C();
    private long count;
    private boolean discard;

    CountingCrcOutputStream(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        if (discard) return;
        out.write(b);
        crc.update(b);
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (discard) return;
        out.write(b, off, len);
        crc.update(b, off, len);
        count += len;
    }

    @Override
    public void flush() throws IOException {
        if (!discard) out.flush();
    }

    /** Flushes only: zstd closes its sink when it ends the frame, and the sink here is the caller's. */
    @Override
    public void close() throws IOException {
        flush();
    }

    void discard() {
        discard = true;
    }

    long count() {
        return count;
    }

    int crc() {
        return (int) crc.getValue();
    }
}
