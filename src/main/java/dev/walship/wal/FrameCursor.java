package dev.walship.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Walks WAL frames in large chunks so a pass over hundreds of MB costs few system calls and no
 * allocation per frame; only one chunk is held at a time, which keeps memory bounded.
 */
final class FrameCursor {
    /** About 1 MiB per read, rounded down to whole frames (at least one 64 KiB frame). */
    static final int CHUNK_BYTES = 1 << 20;

    private final FileChannel channel;
    private final String source;
    private final int frameSize;
    private final long fileSize;
    private final byte[] buf;
    private final ByteBuffer bb;

    private long nextFrame;     // 1-based index of the frame the next call to next() returns
    private int chunkFrames;    // whole frames in the current chunk
    private int chunkIndex;     // frames of the current chunk already returned
    private int pos = -1;       // offset of the current frame in buf
    private boolean lastChunk;  // the current chunk reached the end of the file
    private int partialBytes;   // bytes of an incomplete frame after the last whole one

    /**
     * @param firstFrame 1-based index of the first frame to return
     * @param fileSize file length sampled once up front, so frames appended meanwhile wait for the next pass
     */
    FrameCursor(FileChannel channel, int pageSize, long firstFrame, long fileSize, String source) {
        this.channel = channel;
        this.source = source;
        this.frameSize = WalPosition.FRAME_HEADER_SIZE + pageSize;
        this.fileSize = fileSize;
        this.nextFrame = firstFrame;
        this.buf = new byte[Math.max(1, CHUNK_BYTES / frameSize) * frameSize];
        this.bb = ByteBuffer.wrap(buf);
    }

    /** Moves to the next whole frame; false at the end of the file or at a trailing partial frame. */
    boolean next() throws WalException {
        if (chunkIndex == chunkFrames) {
            if (lastChunk || !load()) {
                return false;
            }
        }
        pos = chunkIndex * frameSize;
        chunkIndex++;
        nextFrame++;
        return true;
    }

    /** After {@link #next()} returned false: whether the file ended part-way through a frame. */
    boolean torn() {
        return partialBytes > 0;
    }

    /** Buffer holding the current frame at {@link #pos()}: 24-byte header, then the page. */
    byte[] buf() {
        return buf;
    }

    int pos() {
        return pos;
    }

    /** 1-based index of the current frame. */
    long frame() {
        return nextFrame - 1;
    }

    private boolean load() throws WalException {
        long off = WalPosition.frameOffset(frameSize - WalPosition.FRAME_HEADER_SIZE, nextFrame);
        long remaining = fileSize - off;
        chunkIndex = 0;
        chunkFrames = 0;
        if (remaining <= 0) {
            lastChunk = true;
            return false;
        }
        int want = (int) Math.min(buf.length, remaining);
        int got = readFully(off, want);
        chunkFrames = got / frameSize;
        // A short read means the file shrank under us (truncate or reset); treat it as the end.
        lastChunk = got < buf.length;
        partialBytes = lastChunk ? got % frameSize : 0;
        return chunkFrames > 0;
    }

    private int readFully(long off, int want) throws WalException {
        bb.clear().limit(want);
        try {
            while (bb.hasRemaining()) {
                int n = channel.read(bb, off + bb.position());
                if (n <= 0) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new WalException("read wal", source, "I/O error at offset " + (off + bb.position())
                    + ": " + e.getMessage(), e);
        }
        return bb.position();
    }
}
