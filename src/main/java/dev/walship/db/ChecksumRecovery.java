package dev.walship.db;

import dev.walship.segment.DbChecksum;
import dev.walship.segment.FileInfo;
import dev.walship.segment.SegmentReader;
import dev.walship.segment.TxnHeader;
import dev.walship.util.Fsync;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persists the page-hash table behind the whole-database checksum, and rebuilds it after a crash
 * from the last saved copy plus the L0 segments still in the spool, so a restart needs no snapshot.
 * Saved copies are named {@code checksum-<txid>.bin}; the spool keeps segments newer than the
 * newest copy (see {@link #savedTxid}).
 */
final class ChecksumRecovery {
    private static final Logger log = LoggerFactory.getLogger(ChecksumRecovery.class);

    private ChecksumRecovery() {}

    static void save(Spool spool, DbChecksum table, long txid) throws IOException {
        Path target = spool.dir().resolve(String.format("checksum-%016x.bin", txid));
        table.save(target);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(spool.dir(), "checksum-*.bin")) {
            for (Path p : ds) {
                if (!p.equals(target)) Files.deleteIfExists(p);
            }
        }
        Fsync.fsyncDir(spool.dir());
    }

    /** The txid of the newest saved table, or -1. Spooled segments at or below it may be dropped. */
    static long savedTxid(Spool spool) throws IOException {
        long best = -1;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(spool.dir(), "checksum-*.bin")) {
            for (Path p : ds) best = Math.max(best, txidOf(p));
        }
        return best;
    }

    /** The table as of {@code state.lastTxid()}, or empty when the spool can't prove it. */
    static Optional<DbChecksum> recover(Spool spool, FollowerState state, int pageSize) {
        try {
            long t = savedTxid(spool);
            if (t < 0 || t > state.lastTxid()) return Optional.empty();
            DbChecksum table = DbChecksum.load(spool.dir().resolve(String.format("checksum-%016x.bin", t)));
            if (table.pageSize() != pageSize) return Optional.empty();
            long next = t + 1;
            for (Spool.Pending p : spool.pending()) {
                FileInfo f = p.info();
                if (f.isSnapshot() || f.level() != 0 || f.maxTxid() <= t) continue;
                if (f.minTxid() != next || f.maxTxid() > state.lastTxid()) return Optional.empty();
                replay(p, table);
                next = f.maxTxid() + 1;
            }
            return next == state.lastTxid() + 1 ? Optional.of(table) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            log.warn("could not rebuild the page-hash table from the spool error=\"{}\"", e.getMessage());
            return Optional.empty();
        }
    }

    private static void replay(Spool.Pending p, DbChecksum table) throws IOException {
        byte[] page = new byte[table.pageSize()];
        try (InputStream in = new BufferedInputStream(Files.newInputStream(p.path()));
             SegmentReader r = SegmentReader.open(in, p.path().toString(), p.info())) {
            if (r.header().pageSize() != table.pageSize()) throw new IOException("page size differs in " + p.path());
            for (TxnHeader t = r.nextTxn(); t != null; t = r.nextTxn()) {
                table.resize(t.dbSize());
                for (int i = 0; i < t.pageCount(); i++) {
                    int pgno = r.nextPage(page);
                    table.setPage(pgno, page, 0);
                }
                long expected = r.endTxn();
                if (expected != table.value()) {
                    throw new IOException("replayed checksum differs at txid " + t.txid() + " in " + p.path());
                }
            }
        }
    }

    private static long txidOf(Path p) {
        String n = p.getFileName().toString();
        try {
            return Long.parseUnsignedLong(n.substring("checksum-".length(), n.length() - ".bin".length()), 16);
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
