package dev.walship.db;

import dev.walship.wal.WalChecksum;
import dev.walship.wal.WalHeader;
import dev.walship.wal.WalPosition;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Decides whether a WAL restart that walship did not watch happen lost nothing, i.e. whether the
 * old WAL generation provably ended at the last frame walship copied. Anything it cannot prove is a
 * continuity break, answered with a fresh snapshot: a needless snapshot costs bandwidth, a wrong
 * "yes" would cost a corrupt restore.
 *
 * <p>The proof (see docs/REPLICATION.md): SQLite restarts a WAL by adding one to salt-1 in the shared
 * WAL index and writing new frames from the start of the file. (The checkpoint sequence number in the
 * header is per connection and can't be trusted to count restarts.) If salt-1 grew by exactly one,
 * exactly one restart happened; if the new generation is still shorter than the old position F, the bytes of old
 * frame F+1 are untouched by it: if they are not a valid continuation of the old chain, the old
 * generation ended at F. If the file never held a frame F+1 (we saw it end exactly at frame F) and
 * has not been shortened since, the same follows.
 */
final class ContinuityRule {
    private ContinuityRule() {}

    /**
     * @param old position in the old generation (last frame copied, with its cumulative checksum)
     * @param now header of the WAL as it is now (a different generation)
     * @param newGenFrames valid frames (committed or not) of the new generation
     * @param lastObservedLength WAL file length seen right after the last copy, or -1 if unknown
     */
    static boolean lossless(FileChannel wal, WalPosition old, WalHeader now, long newGenFrames,
                            long lastObservedLength) throws IOException {
        if (old.frame() == 0) return false;
        if (now.salt1() != old.salt1() + 1) return false;
        if (now.pageSize() != old.pageSize() || newGenFrames >= old.frame()) return false;

        long next = old.frameOffset(old.frame() + 1);
        long nextEnd = next + old.frameSize();
        long size = wal.size();
        if (size >= nextEnd) return !continuesChain(wal, old, next);
        if (size > next) return false; // a torn frame F+1 might be a truncated committed frame
        return lastObservedLength == size && size == old.byteLength();
    }

    /** Whether the frame at {@code offset} carries the old salts and extends the old checksum chain. */
    private static boolean continuesChain(FileChannel wal, WalPosition old, long offset) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(old.frameSize());
        SnapshotTaker.readFully(wal, buf, offset);
        byte[] f = buf.array();
        if (buf.getInt(8) != old.salt1() || buf.getInt(12) != old.salt2()) return false;
        WalChecksum ck = new WalChecksum(old.bigEndian(), old.checksum1(), old.checksum2());
        ck.update(f, 0, 8);
        ck.update(f, WalPosition.FRAME_HEADER_SIZE, old.pageSize());
        return ck.matches(buf.getInt(16), buf.getInt(20));
    }
}
