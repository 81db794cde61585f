package dev.walship.db;

import dev.walship.segment.DbChecksum;
import dev.walship.segment.FileInfo;
import dev.walship.segment.SegmentHeader;
import dev.walship.segment.SegmentWriter;
import dev.walship.segment.TxnHeader;
import dev.walship.wal.CommittedTxn;
import dev.walship.wal.WalPosition;
import dev.walship.wal.WalReader;
import dev.walship.wal.WalScan;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Turns the committed transactions found after a WAL position into one L0 segment in the spool.
 *
 * <p>Two passes over the WAL: the first ({@link WalReader#scan}) verifies salts and the checksum
 * chain and finds the commit frames; the second re-verifies while it copies pages, so a page that
 * changed between the passes is never shipped. Only whole committed transactions are shipped.
 */
final class WalShipper {
    /** L0 files are written on the hot path and compacted within minutes: favour speed over ratio. */
    static final int L0_ZSTD_LEVEL = 1;
    /**
     * A batch at least this large is stored raw (header flag bit 0 clear). Only a writer that outpaces one
     * batch per sync interval makes batches this large, and then compression is the largest part of
     * walship's copying: on the benchmark's WAL zstd level 1 ran at about 480 MB/s, zstd's fastest levels
     * at about 970 MB/s (for a ratio of 2.0 and 1.8), and the whole copy path went from about 430 MB/s
     * (level -5) to about 530 MB/s (raw). Compaction compresses these pages within minutes; until then
     * they take about twice the space, and a hard-linked local replica costs nothing more.
     */
    static final long RAW_BYTES = 8L << 20;
    /** {@link #level} for a batch stored without compression. */
    static final int RAW = Integer.MIN_VALUE;

    private WalShipper() {}

    /** What one shipping pass did. {@code file} is null when nothing new was committed. */
    record Shipped(WalScan scan, WalPosition end, FileInfo file, long firstTxid, long lastTxid, long time) {
        int txns() {
            return scan.txns().size();
        }
    }

    /**
     * Ships everything committed after {@code from}. Updates {@code checksum} in place; if this
     * throws, the checksum table is no longer trustworthy: the caller must rebuild it or take a
     * snapshot. A failed spool write throws a plain IOException, a WAL problem a WalException.
     */
    static Shipped ship(FileChannel wal, String walSource, WalPosition from, long lastTxid,
                        java.util.function.LongSupplier clock, DbChecksum checksum, Spool spool) throws IOException {
        WalScan scan = WalReader.scan(wal, from, walSource);
        // The time is read after the scan: every transaction it found had committed by then, so a
        // restore --to T can never include one committed after T.
        long time = clock.getAsLong();
        List<CommittedTxn> txns = scan.txns();
        if (txns.isEmpty()) return new Shipped(scan, from, null, lastTxid + 1, lastTxid, time);

        long first = lastTxid + 1;
        long last = lastTxid + txns.size();
        int level = level(from, scan.end());
        SegmentHeader header = new SegmentHeader(FileInfo.Kind.SEGMENT, 0, level != RAW, from.pageSize(),
                txns.size(), first, last, time, time);
        Path tmp = spool.newTemp(".seg");
        try {
            WalPosition end;
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
                 SegmentWriter w = SegmentWriter.create(out, header, level)) {
                try {
                    end = WalReader.readFrames(wal, from, scan.end().frame(),
                            new TxnWriter(txns, first, time, w, checksum), walSource);
                } catch (UncheckedIOException e) {
                    throw e.getCause(); // a spool write failed (disk full): not a WAL problem, see TxnWriter
                }
                w.finish();
            }
            FileInfo info = header.toFileInfo(Files.size(tmp));
            spool.publish(tmp, info);
            return new Shipped(scan, end, info, first, last, time);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static int level(WalPosition from, WalPosition to) {
        long bytes = (to.frame() - from.frame()) * (long) from.pageSize();
        return bytes >= RAW_BYTES ? RAW : L0_ZSTD_LEVEL;
    }

    /** Streams frames of consecutive committed transactions into segment records. */
    private static final class TxnWriter implements dev.walship.wal.FrameConsumer {
        private final List<CommittedTxn> txns;
        private final long firstTxid;
        private final long time;
        private final SegmentWriter w;
        private final DbChecksum checksum;
        private int k;

        TxnWriter(List<CommittedTxn> txns, long firstTxid, long time, SegmentWriter w, DbChecksum checksum) {
            this.txns = txns;
            this.firstTxid = firstTxid;
            this.time = time;
            this.w = w;
            this.checksum = checksum;
        }

        /**
         * Spool write failures leave as {@link UncheckedIOException}: WalReader reports what a consumer
         * throws as a WAL error, and the follower answers those with a snapshot instead of a retry.
         */
        @Override
        public void frame(long index, int pgno, int commitDbSize, byte[] page) {
            try {
                write(index, pgno, page);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private void write(long index, int pgno, byte[] page) throws IOException {
            CommittedTxn t = txns.get(k);
            if (index == t.firstFrame()) {
                w.beginTxn(new TxnHeader(firstTxid + k, time, t.dbSizeAfter(), t.shippedPages()));
                // Same order as a restore applies a record: size first, then pages.
                checksum.resize(t.dbSizeAfter());
            }
            if (pgno <= t.dbSizeAfter()) {
                w.page(pgno, page, 0);
                checksum.setPage(pgno, page, 0);
            }
            if (index == t.commitFrame()) {
                w.endTxn(checksum.value());
                k++;
            }
        }
    }
}
