package dev.walship.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads and verifies SQLite WAL files through a caller-owned {@link FileChannel}.
 *
 * <p>Shipping is two passes: {@link #scan} finds the committed transactions without keeping page
 * data, then {@link #readFrames} re-reads exactly those frames and re-verifies them while handing
 * pages to the consumer, so a WAL rewritten between the passes is detected instead of shipped.
 * This class never opens or closes the database or -shm file: closing any descriptor of those
 * files would drop this process's POSIX locks on them.
 */
public final class WalReader {
    private static final String STEP = "read wal";

    private WalReader() {
    }

    /**
     * Reads and validates the WAL header.
     *
     * @throws EmptyWalException if the file is empty (no WAL yet, or after a TRUNCATE checkpoint)
     * @throws WalException if the file is shorter than 32 bytes or the header is invalid
     */
    public static WalHeader readHeader(FileChannel wal, String source) throws WalException {
        long size = size(wal, source);
        if (size == 0) {
            throw new EmptyWalException(source);
        }
        if (size < WalHeader.SIZE) {
            throw new WalException(STEP, source, "file is " + size + " bytes, shorter than the "
                    + WalHeader.SIZE + "-byte WAL header (being created, or not a WAL)");
        }
        ByteBuffer b = ByteBuffer.allocate(WalHeader.SIZE);
        try {
            while (b.hasRemaining() && wal.read(b, b.position()) > 0) {
                // positional reads leave the channel's own position alone for other users
            }
        } catch (IOException e) {
            throw new WalException(STEP, source, "I/O error reading header: " + e.getMessage(), e);
        }
        if (b.hasRemaining()) {
            throw new WalException(STEP, source, "header truncated while reading");
        }
        return WalHeader.parse(b.array(), source);
    }

    /**
     * Pass 1: verifies frames after {@code from} and collects the committed transactions.
     *
     * <p>Stops at the end of the file, a torn trailing frame, or the first frame whose salts or
     * cumulative checksum do not match; that is how SQLite itself finds the end of the valid WAL,
     * so it is reported in {@link WalScan#stop()} rather than thrown. If the header no longer
     * belongs to {@code from}'s WAL generation, returns SALT_MISMATCH with no transactions.
     * Memory use is one ~1 MiB chunk plus one int per frame of the current open transaction.
     *
     * @throws WalException if the header is invalid or the file cannot be read
     */
    public static WalScan scan(FileChannel wal, WalPosition from, String source) throws WalException {
        WalHeader header = readHeader(wal, source);
        if (!from.sameGeneration(header)) {
            return new WalScan(header, List.of(), from, WalScan.StopReason.SALT_MISMATCH, 0);
        }
        FrameCursor cur = new FrameCursor(wal, from.pageSize(), from.frame() + 1, size(wal, source), source);
        WalChecksum ck = new WalChecksum(from.bigEndian(), from.checksum1(), from.checksum2());
        List<CommittedTxn> txns = new ArrayList<>();
        WalPosition end = from;
        int[] pgnos = new int[64]; // pages of the open transaction, to count those a commit keeps
        int open = 0;
        WalScan.StopReason stop;
        while (true) {
            if (!cur.next()) {
                stop = cur.torn() ? WalScan.StopReason.TORN_FRAME : WalScan.StopReason.END_OF_FILE;
                break;
            }
            WalScan.StopReason bad = verify(cur.buf(), cur.pos(), from, ck);
            if (bad != null) {
                stop = bad;
                break;
            }
            int pgno = FrameHeader.pgno(cur.buf(), cur.pos());
            int commit = FrameHeader.commitSize(cur.buf(), cur.pos());
            if (open == pgnos.length) {
                pgnos = Arrays.copyOf(pgnos, open * 2);
            }
            pgnos[open++] = pgno;
            if (commit != 0) {
                int kept = 0;
                for (int i = 0; i < open; i++) {
                    if (Integer.compareUnsigned(pgnos[i], commit) <= 0) {
                        kept++;
                    }
                }
                txns.add(new CommittedTxn(end.frame() + 1, cur.frame(), commit, kept));
                end = end.at(cur.frame(), ck.s0(), ck.s1());
                open = 0;
                if (pgnos.length > 4096) {
                    pgnos = new int[64]; // do not keep a huge array alive after one big transaction
                }
            }
        }
        return new WalScan(header, txns, end, stop, open);
    }

    /**
     * Pass 2: re-reads frames {@code from.frame()+1 .. toFrame}, re-verifies salts and the checksum
     * chain, and hands each frame to {@code consumer} (the page array is reused; copy it).
     *
     * <p>Frames are verified before they are delivered, but an exception may come after earlier
     * frames were delivered; the caller must then discard what it received.
     *
     * @return the position after {@code toFrame}
     * @throws WalException naming the frame if the WAL changed since pass 1 (frame missing, salts or
     *     checksum differ), or if the consumer throws
     */
    public static WalPosition readFrames(FileChannel wal, WalPosition from, long toFrame,
            FrameConsumer consumer, String source) throws WalException {
        if (toFrame < from.frame()) {
            throw new IllegalArgumentException("toFrame " + toFrame + " is before position frame " + from.frame());
        }
        if (toFrame == from.frame()) {
            return from;
        }
        long size = size(wal, source);
        FrameCursor cur = new FrameCursor(wal, from.pageSize(), from.frame() + 1, size, source);
        WalChecksum ck = new WalChecksum(from.bigEndian(), from.checksum1(), from.checksum2());
        byte[] page = new byte[from.pageSize()];
        for (long want = from.frame() + 1; want <= toFrame; want++) {
            if (!cur.next()) {
                throw new WalException(STEP, source, "frame " + want + " missing: file is " + size
                        + " bytes (the WAL was truncated or reset since it was scanned; walship will rescan)");
            }
            WalScan.StopReason bad = verify(cur.buf(), cur.pos(), from, ck);
            if (bad == WalScan.StopReason.SALT_MISMATCH) {
                throw new WalException(STEP, source, "frame " + want + " salt mismatch (the WAL was reset "
                        + "since it was scanned; walship will rescan)");
            }
            if (bad != null) {
                throw new WalException(STEP, source, "frame " + want + " checksum mismatch (the WAL is "
                        + "corrupt or was rewritten since it was scanned; walship will take a fresh snapshot)");
            }
            System.arraycopy(cur.buf(), cur.pos() + WalPosition.FRAME_HEADER_SIZE, page, 0, page.length);
            try {
                consumer.frame(want, FrameHeader.pgno(cur.buf(), cur.pos()),
                        FrameHeader.commitSize(cur.buf(), cur.pos()), page);
            } catch (WalException e) {
                throw e;
            } catch (IOException e) {
                throw new WalException(STEP, source, "frame " + want + " consumer failed: " + e.getMessage(), e);
            }
        }
        return from.at(toFrame, ck.s0(), ck.s1());
    }

    /**
     * Checks one frame against the position's salts and continues the checksum chain over it.
     * Returns null when valid. Salts first, as SQLite does: a stale frame from an older generation
     * is expected, a checksum failure is not. Page number 0 is never written by SQLite.
     */
    private static WalScan.StopReason verify(byte[] b, int p, WalPosition pos, WalChecksum ck) {
        if (FrameHeader.salt1(b, p) != pos.salt1() || FrameHeader.salt2(b, p) != pos.salt2()) {
            return WalScan.StopReason.SALT_MISMATCH;
        }
        ck.update(b, p, 8);
        ck.update(b, p + WalPosition.FRAME_HEADER_SIZE, pos.pageSize());
        if (!ck.matches(FrameHeader.checksum1(b, p), FrameHeader.checksum2(b, p))
                || FrameHeader.pgno(b, p) == 0) {
            return WalScan.StopReason.CHECKSUM_MISMATCH;
        }
        return null;
    }

    private static long size(FileChannel wal, String source) throws WalException {
        try {
            return wal.size();
        } catch (IOException e) {
            throw new WalException(STEP, source, "cannot get file size: " + e.getMessage(), e);
        }
    }
}
