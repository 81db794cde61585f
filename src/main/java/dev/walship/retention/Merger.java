package dev.walship.retention;

import dev.walship.replica.ReplicaClient;
import dev.walship.segment.CorruptFileException;
import dev.walship.segment.FileInfo;
import dev.walship.segment.SegmentHeader;
import dev.walship.segment.SegmentReader;
import dev.walship.segment.SegmentWriter;
import dev.walship.segment.TxnHeader;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;

/**
 * Merges consecutive segments into one page set (latest page wins). Pages are staged in a sparse
 * scratch file indexed by page number, so memory stays flat (one bit per page) however large the
 * database is.
 */
public final class Merger {
    private Merger() {}

    /**
     * Writes the merge of {@code merge.inputs()} (read from {@code replica}) to {@code out} and returns
     * the output's FileInfo (without size). {@code scratch} is a temporary file path the caller deletes.
     */
    public static FileInfo merge(ReplicaClient replica, CompactionPlanner.Merge merge, Path scratch, Path out)
            throws IOException {
        BitSet present = new BitSet();
        int pageSize = 0;
        int dbSize = 0;
        int minSize = Integer.MAX_VALUE;
        long checksum = 0;
        try (FileChannel store = FileChannel.open(scratch, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] page = null;
            for (FileInfo in : merge.inputs()) {
                try (InputStream raw = new BufferedInputStream(replica.open(in), 1 << 16);
                     SegmentReader r = SegmentReader.open(raw, replica.url() + "/" + in.name(), in)) {
                    if (pageSize == 0) {
                        pageSize = r.header().pageSize();
                        page = new byte[pageSize];
                    } else if (pageSize != r.header().pageSize()) {
                        throw new CorruptFileException(replica.url() + "/" + in.name(), "page size differs from the files before it");
                    }
                    for (TxnHeader t = r.nextTxn(); t != null; t = r.nextTxn()) {
                        dbSize = t.dbSize();
                        minSize = Math.min(minSize, dbSize);
                        // Pages past a shrink no longer exist; a later growth must see zeros, not them.
                        if (present.length() > dbSize) present.clear(dbSize, present.length());
                        for (int i = 0; i < t.pageCount(); i++) {
                            int pgno = r.nextPage(page);
                            store.write(ByteBuffer.wrap(page), (long) (pgno - 1) * pageSize);
                            present.set(pgno - 1);
                        }
                        checksum = r.endTxn();
                    }
                }
            }
            // Pages that vanished in a shrink and came back unwritten are zero: say so explicitly,
            // because the state this file is applied on may still hold their old content.
            int explicitFrom = Math.min(minSize, dbSize);
            int count = 0;
            for (int p = 0; p < dbSize; p++) if (present.get(p) || p >= explicitFrom) count++;
            FileInfo info = merge.output(-1);
            SegmentHeader h = SegmentHeader.segment(merge.toLevel(), true, pageSize, info.minTxid(), info.maxTxid(),
                    info.minTime(), info.maxTime());
            byte[] zero = new byte[pageSize];
            ByteBuffer buf = ByteBuffer.wrap(page);
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out), 1 << 16);
                 SegmentWriter w = SegmentWriter.create(os, h)) {
                w.beginTxn(new TxnHeader(info.maxTxid(), info.maxTime(), dbSize, count));
                for (int p = 0; p < dbSize; p++) {
                    if (present.get(p)) {
                        buf.clear();
                        while (buf.hasRemaining()) {
                            if (store.read(buf, (long) p * pageSize + buf.position()) < 0) break;
                        }
                        w.page(p + 1, page, 0);
                    } else if (p >= explicitFrom) {
                        w.page(p + 1, zero, 0);
                    }
                }
                w.endTxn(checksum);
                w.finish();
            }
            return info;
        }
    }
}
