package dev.walship.wal;

import java.io.IOException;

/** Receives verified WAL frames from {@link WalReader#readFrames}. */
@FunctionalInterface
public interface FrameConsumer {
    /**
     * Called once per frame, in order.
     *
     * @param index 1-based frame index
     * @param pgno page number (1-based) this frame holds
     * @param commitDbSize database size in pages after commit for a commit frame, otherwise 0
     * @param page the page bytes; the array is reused for the next frame, so copy what you keep
     */
    void frame(long index, int pgno, int commitDbSize, byte[] page) throws IOException;
}
