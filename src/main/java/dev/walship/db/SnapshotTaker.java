package dev.walship.db;

import dev.walship.segment.DbChecksum;
import dev.walship.segment.FileInfo;
import dev.walship.segment.SegmentHeader;
import dev.walship.segment.SegmentWriter;
import dev.walship.segment.TxnHeader;
import dev.walship.wal.WalHeader;
import dev.walship.wal.WalPosition;
import dev.walship.wal.WalReader;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes a snapshot of the database as of a WAL position: the database file's pages overlaid with
 * the newest copy of each page in WAL frames 1..position. It reads files directly (never through
 * SQLite's write lock), so writers are never blocked; the caller proves afterwards that no
 * checkpoint moved pages past the position while it read (see DatabaseFollower#snapshot).
 */
final class SnapshotTaker {
    private SnapshotTaker() {}

    /** A snapshot written to the spool, and the page-hash table of its content. */
    record Taken(FileInfo file, Path path, DbChecksum checksum, int dbSize) {}

    static Taken take(FileChannel db, FileChannel wal, String walSource, WalPosition pos, int pageSize,
                      long txid, long time, Spool spool) throws IOException {
        Path tmp = spool.newTemp(".snap");
        try {
            DbChecksum checksum;
            SegmentWriter[] w = new SegmentWriter[1];
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                checksum = read(db, wal, walSource, pos, pageSize, new PageSink() {
                    @Override
                    public void begin(int dbSize) throws IOException {
                        w[0] = SegmentWriter.create(out, SegmentHeader.snapshot(true, pageSize, txid, time));
                        w[0].beginTxn(new TxnHeader(txid, time, dbSize, dbSize));
                    }

                    @Override
                    public void page(int pgno, byte[] page) throws IOException {
                        w[0].page(pgno, page, 0);
                    }
                });
                w[0].endTxn(checksum.value());
                w[0].finish();
            } finally {
                if (w[0] != null) w[0].close();
            }
            FileInfo info = FileInfo.snapshot(txid, time, Files.size(tmp));
            Path published = spool.publish(tmp, info);
            return new Taken(info, published, checksum, checksum.dbSize());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Receives the pages of a database image in page order. */
    interface PageSink {
        void begin(int dbSize) throws IOException;

        void page(int pgno, byte[] page) throws IOException;
    }

    /** The page-hash table of the database as of {@code pos} (file overlaid with WAL frames), without writing anything. */
    static DbChecksum hash(FileChannel db, FileChannel wal, String walSource, WalPosition pos, int pageSize) throws IOException {
        return read(db, wal, walSource, pos, pageSize, new PageSink() {
            @Override
            public void begin(int dbSize) {
            }

            @Override
            public void page(int pgno, byte[] page) {
            }
        });
    }

    /** Reads the database as of {@code pos} page by page into {@code sink}, hashing as it goes. */
    private static DbChecksum read(FileChannel db, FileChannel wal, String walSource, WalPosition pos, int pageSize,
                                   PageSink sink) throws IOException {
        Map<Integer, Long> overlay = new HashMap<>();
        int dbSize;
        if (pos != null && pos.frame() > 0) {
            WalHeader h = WalReader.readHeader(wal, walSource);
            if (!pos.sameGeneration(h)) throw new WalGenerationChanged("WAL restarted before the snapshot began");
            // Re-verify the chain up to the position while learning which frame holds each page's newest copy.
            WalReader.readFrames(wal, WalPosition.start(h), pos.frame(),
                    (index, pgno, commit, page) -> overlay.put(pgno, index), walSource);
            dbSize = commitSize(wal, pos);
        } else {
            dbSize = dbSizeFromHeader(db, pageSize);
        }
        if (pos != null && pos.pageSize() != pageSize) {
            throw new IOException("snapshot: WAL page size " + pos.pageSize() + " differs from database page size " + pageSize);
        }
        DbChecksum checksum = new DbChecksum(pageSize);
        checksum.resize(dbSize);
        sink.begin(dbSize);
        byte[] page = new byte[pageSize];
        ByteBuffer buf = ByteBuffer.wrap(page);
        for (int pgno = 1; pgno <= dbSize; pgno++) {
            Long frame = overlay.get(pgno);
            if (frame != null) {
                readFully(wal, buf, pos.frameOffset(frame) + WalPosition.FRAME_HEADER_SIZE);
            } else {
                readFully(db, buf, (long) (pgno - 1) * pageSize);
            }
            sink.page(pgno, page);
            checksum.setPage(pgno, page, 0);
        }
        return checksum;
    }

    /** Whether the database file alone (every page checkpointed) hashes to {@code expected}. */
    static boolean fileMatches(FileChannel db, DbChecksum expected) throws IOException {
        int pageSize = expected.pageSize();
        DbChecksum now = new DbChecksum(pageSize);
        int size = expected.dbSize();
        now.resize(size);
        byte[] page = new byte[pageSize];
        ByteBuffer buf = ByteBuffer.wrap(page);
        for (int pgno = 1; pgno <= size; pgno++) {
            readFully(db, buf, (long) (pgno - 1) * pageSize);
            now.setPage(pgno, page, 0);
        }
        return now.value() == expected.value() && db.size() == (long) size * pageSize;
    }

    /** The "database size after commit" field of the commit frame at the position. */
    static int commitSize(FileChannel wal, WalPosition pos) throws IOException {
        ByteBuffer hdr = ByteBuffer.allocate(WalPosition.FRAME_HEADER_SIZE);
        readFully(wal, hdr, pos.frameOffset(pos.frame()));
        int size = hdr.getInt(4);
        if (size <= 0) throw new IOException("snapshot: WAL frame " + pos.frame() + " is not a commit frame");
        return size;
    }

    /** Database size in pages when every committed page is in the database file. */
    static int dbSizeFromHeader(FileChannel db, int pageSize) throws IOException {
        long fileSize = db.size();
        ByteBuffer hdr = ByteBuffer.allocate(100);
        if (fileSize < 100) return 0;
        readFully(db, hdr, 0);
        int inHeader = hdr.getInt(28);
        // The in-header size is only valid when "version-valid-for" equals the change counter.
        if (inHeader > 0 && hdr.getInt(92) == hdr.getInt(24)) return inHeader;
        return (int) (fileSize / pageSize);
    }

    /** Reads buf.capacity() bytes at pos; bytes past the end of the file read as zeros. */
    static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        buf.clear();
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) {
                while (buf.hasRemaining()) buf.put((byte) 0);
                break;
            }
        }
        buf.flip();
    }

    /** The WAL is no longer the generation a snapshot was being taken from; retry. */
    static final class WalGenerationChanged extends IOException {
        WalGenerationChanged(String m) {
            super(m);
        }
    }
}
