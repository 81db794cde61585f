package dev.walship.restore;

import dev.walship.replica.ReplicaClient;
import dev.walship.replica.crypto.DecryptionException;
import dev.walship.segment.CorruptFileException;
import dev.walship.segment.DbChecksum;
import dev.walship.segment.FileInfo;
import dev.walship.segment.SegmentReader;
import dev.walship.segment.TxnHeader;
import dev.walship.segment.UnsupportedFormatException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads every data file of a replica (not only a restore chain) through {@link SegmentReader}, so each
 * header, record and trailer checksum is verified, and remembers the whole-database checksum every
 * record claims. A snapshot's pages are hashed too: they must add up to the checksum it records. The
 * same txid in two files (an L0 record, the L1 file that merged it, a periodic snapshot) must claim the
 * same checksum. Calling {@link #walk} again reads only files it has not seen (a replica that grew).
 */
final class ReplicaWalk {
    /** What one record says about the database after its txid. */
    record Claim(long checksum, long time, String file) {}

    private final ReplicaClient replica;
    private final TreeMap<Long, Claim> claims = new TreeMap<>();
    private final Set<String> seen = new HashSet<>();
    private final List<String> corrupt = new ArrayList<>();
    private String conflict;
    private long conflictTxid = Long.MAX_VALUE;
    private long bytes;
    private int files;
    private int vanished;

    ReplicaWalk(ReplicaClient replica) {
        this.replica = replica;
    }

    /** Reads the files of {@code listing} not read before, oldest txid first; returns how many it read. */
    int walk(List<FileInfo> listing) throws IOException {
        List<FileInfo> todo = listing.stream().filter(f -> !seen.contains(f.name()))
                .sorted(Comparator.comparingLong(FileInfo::maxTxid).thenComparingInt(FileInfo::level)).toList();
        int read = 0;
        for (FileInfo f : todo) {
            seen.add(f.name());
            try (InputStream in = new BufferedInputStream(replica.open(f), 1 << 16);
                 SegmentReader r = SegmentReader.open(in, f.name(), f)) {
                readAll(r, f);
                files++;
                read++;
                bytes += Math.max(0, f.size());
            } catch (NoSuchFileException e) {
                vanished++; // retention or compaction removed it since the listing: not part of the replica now
            } catch (CorruptFileException | UnsupportedFormatException | DecryptionException e) {
                corrupt.add("replica " + replica.url() + ": " + e.getMessage());
            }
        }
        return read;
    }

    private void readAll(SegmentReader r, FileInfo f) throws IOException {
        int pageSize = r.header().pageSize();
        byte[] page = new byte[pageSize];
        DbChecksum own = f.isSnapshot() ? new DbChecksum(pageSize) : null;
        for (TxnHeader t; (t = r.nextTxn()) != null; ) {
            if (own != null) own.resize(t.dbSize());
            for (int i = 0; i < t.pageCount(); i++) {
                int pgno = r.nextPage(page);
                if (own != null) own.setPage(pgno, page, 0);
            }
            long claimed = r.endTxn();
            if (own != null && own.value() != claimed) {
                throw new CorruptFileException(f.name(), "snapshot pages hash to " + Long.toHexString(own.value())
                        + " but it records " + Long.toHexString(claimed));
            }
            Claim before = claims.putIfAbsent(t.txid(), new Claim(claimed, t.time(), f.name()));
            if (before != null && before.checksum() != claimed && t.txid() < conflictTxid) {
                conflictTxid = t.txid();
                conflict = "txid " + t.txid() + ": " + before.file() + " records database checksum "
                        + Long.toHexString(before.checksum()) + " but " + f.name() + " records "
                        + Long.toHexString(claimed);
            }
        }
    }

    /** The newest txid whose recorded checksum is {@code checksum}, or -1. */
    long newestWith(long checksum) {
        for (Map.Entry<Long, Claim> e : claims.descendingMap().entrySet()) {
            if (e.getValue().checksum() == checksum) return e.getKey();
        }
        return -1;
    }

    Claim claim(long txid) {
        return claims.get(txid);
    }

    /** The newest txid recorded at or before {@code time}, or -1. */
    long newestAtOrBefore(long time) {
        long best = -1;
        for (Map.Entry<Long, Claim> e : claims.entrySet()) if (e.getValue().time() <= time) best = e.getKey();
        return best;
    }

    /** The newest txid of any file read, or 0. */
    long maxTxid() {
        return claims.isEmpty() ? 0 : claims.lastKey();
    }

    long maxTime() {
        long t = 0;
        for (Claim c : claims.values()) t = Math.max(t, c.time());
        return t;
    }

    List<String> corrupt() {
        return corrupt;
    }

    /** The first txid two files disagree about, as one line, or null. */
    String conflict() {
        return conflict;
    }

    int files() {
        return files;
    }

    long bytes() {
        return bytes;
    }

    int vanished() {
        return vanished;
    }
}
