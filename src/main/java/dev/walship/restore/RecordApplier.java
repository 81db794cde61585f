package dev.walship.restore;

import static dev.walship.restore.RestoreException.Kind.CHECKSUM_MISMATCH;
import static dev.walship.restore.RestoreException.Kind.CORRUPT;

import dev.walship.segment.DbChecksum;
import dev.walship.segment.SegmentHeader;
import dev.walship.segment.SegmentReader;
import dev.walship.segment.TxnHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Applies verified records to the database file being built, keeping the whole-database checksum in step,
 * with one page buffer whatever the database size.
 */
final class RecordApplier {
    private final FileChannel db;
    private final String snapshotName;
    private int pageSize;
    private DbChecksum sum;
    private byte[] page;
    private long length; // tracked rather than asked for: the file only changes through this class
    private TxnHeader last;

    RecordApplier(FileChannel db, String snapshotName) {
        this.db = db;
        this.snapshotName = snapshotName;
    }

    /** Fixes the page size from the snapshot, and checks every later file against it. */
    void begin(SegmentHeader h, String source) throws RestoreException {
        if (sum == null) {
            pageSize = h.pageSize();
            sum = new DbChecksum(pageSize);
            page = new byte[pageSize];
        } else if (h.pageSize() != pageSize) {
            // walship snapshots on a page size change, so a plan crossing one mixes two histories
            throw new RestoreException(CORRUPT, "restore: " + source + " has page size " + h.pageSize() + " but "
                    + snapshotName + " has " + pageSize + ": the replica mixes two page sizes without a snapshot"
                    + " between them; restore a target before " + source);
        }
    }

    /** Reads, writes and verifies one record whose header {@code t} was just returned by {@code r}. */
    void apply(SegmentReader r, TxnHeader t, String source, Runnable onPage) throws IOException {
        sum.resize(t.dbSize());
        long size = (long) t.dbSize() * pageSize;
        if (length > size) {
            // cut now: if a later record grows the file again, the pages it does not write must read as zeros
            db.truncate(size);
            length = size;
        }
        for (int i = 0; i < t.pageCount(); i++) {
            int pgno = r.nextPage(page);
            long off = (long) (pgno - 1) * pageSize;
            ByteBuffer b = ByteBuffer.wrap(page, 0, pageSize);
            while (b.hasRemaining()) db.write(b, off + b.position());
            length = Math.max(length, off + pageSize);
            sum.setPage(pgno, page, 0);
            onPage.run();
        }
        long expected = r.endTxn();
        if (sum.value() != expected) {
            throw new RestoreException(CHECKSUM_MISMATCH, "restore: after txid " + t.txid() + " of " + source
                    + " the database checksum is " + Long.toHexString(sum.value()) + " but the replica recorded "
                    + Long.toHexString(expected) + ": the replica holds a wrong page image (corrupt or buggy"
                    + " writer); restore a target before txid " + t.txid());
        }
        last = t;
    }

    /** Reads a record without applying it, so the rest of a partly used file is still verified. */
    void skip(SegmentReader r, TxnHeader t, Runnable onPage) throws IOException {
        byte[] scratch = page != null ? page : new byte[r.header().pageSize()];
        for (int i = 0; i < t.pageCount(); i++) {
            r.nextPage(scratch);
            onPage.run();
        }
        r.endTxn();
    }

    /** Sets the final length (never-written trailing pages are zeros) and makes the file durable. */
    void finish() throws IOException {
        long size = (long) last.dbSize() * pageSize;
        if (length > size) db.truncate(size);
        if (length < size) db.write(ByteBuffer.wrap(new byte[1]), size - 1); // the gap reads as zeros
        db.force(true);
    }

    TxnHeader last() {
        return last;
    }

    int pageSize() {
        return pageSize;
    }

    long checksum() {
        return sum.value();
    }
}
