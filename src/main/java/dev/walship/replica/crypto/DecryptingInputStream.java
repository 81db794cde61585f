package dev.walship.replica.crypto;

import static dev.walship.replica.crypto.Envelope.CHUNK_SIZE;
import static dev.walship.replica.crypto.Envelope.STORED_CHUNK;
import static dev.walship.replica.crypto.Envelope.TAG_SIZE;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;

/**
 * Plaintext of an envelope, one verified chunk at a time: a chunk's bytes are handed out only after its
 * GCM tag verified, and the end of the stream is reported only after a chunk sealed as final verified,
 * so a truncated, extended, reordered or renamed object fails instead of returning fewer or other bytes.
 */
final class DecryptingInputStream extends InputStream {
    private final InputStream in;
    private final Envelope.Chunks chunks;
    private final String name;
    private final String where;
    private final long firstChunk;
    private final long startOffset;
    private final byte[] stored = new byte[STORED_CHUNK];
    private final byte[] plain = new byte[STORED_CHUNK];
    private long index;
    private long skip;
    private int pending = -1;
    private int pos;
    private int limit;
    private boolean finished;
    private boolean closed;

    /**
     * @param in the stored bytes from the start of chunk {@code firstChunk} on
     * @param skip plaintext bytes of that chunk to drop before the first byte handed out
     */
    DecryptingInputStream(InputStream in, Envelope.Chunks chunks, String name, String where, long firstChunk,
                          long skip) {
        this.in = in;
        this.chunks = chunks;
        this.name = name;
        this.where = where;
        this.firstChunk = firstChunk;
        this.index = firstChunk;
        this.skip = skip;
        this.startOffset = firstChunk * CHUNK_SIZE + skip;
    }

    @Override
    public int read() throws IOException {
        if (pos < limit) return plain[pos++] & 0xff;
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (closed) throw new IOException(where + "stream is closed");
        if (len == 0) return 0;
        while (pos == limit) {
            if (finished) return -1;
            nextChunk();
        }
        int n = Math.min(len, limit - pos);
        System.arraycopy(plain, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return closed ? 0 : limit - pos;
    }

    private void nextChunk() throws IOException {
        int got = 0;
        if (pending >= 0) {
            stored[0] = (byte) pending;
            got = 1;
            pending = -1;
        }
        got += in.readNBytes(stored, got, STORED_CHUNK - got);
        boolean last = got < STORED_CHUNK;
        if (!last) {
            // a full stored chunk is the final one only if nothing follows it
            pending = in.read();
            last = pending < 0;
        }
        if (got == 0 && index == firstChunk && firstChunk > 0) {
            throw new EOFException(where + "offset " + startOffset + " is past the end of the object");
        }
        if (got < TAG_SIZE) {
            throw fail("the object ends " + (got == 0 ? "before" : "inside") + " chunk " + index + " (truncated)");
        }
        int n;
        try {
            n = chunks.open(index, last, stored, got, plain);
        } catch (AEADBadTagException e) {
            throw fail("chunk " + index + " does not verify (changed, truncated, reordered, or stored under another name)");
        } catch (GeneralSecurityException | RuntimeException e) {
            throw fail("chunk " + index + " cannot be decrypted (" + e.getClass().getSimpleName() + ")");
        }
        index++;
        pos = 0;
        limit = n;
        finished = last;
        if (skip > 0) {
            if (skip > n) {
                throw new EOFException(where + "offset " + startOffset + " is past the end of the object");
            }
            pos = (int) skip;
            skip = 0;
        }
    }

    private DecryptionException fail(String detail) {
        return new DecryptionException(name, where + "authentication failed (wrong key or corrupt object): " + detail);
    }

    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        pos = limit = 0;
        Arrays.fill(plain, (byte) 0);
        in.close();
    }
}
