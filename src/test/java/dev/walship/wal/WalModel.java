package dev.walship.wal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The WAL format read the plain way (whole file in memory, one frame at a time, straight from the format
 * documentation), as the oracle for {@link WalReaderPropertyTest}: no chunks, no reuse, no early exits.
 *
 * @param commits the position after each committed transaction
 */
record WalModel(List<CommittedTxn> txns, List<WalPosition> commits, WalPosition end, WalScan.StopReason stop,
                long pending) {

    /** The header's fields, when the format accepts them. */
    record Header(WalHeader parsed) {
    }

    /** The header if a WAL reader must accept it, else null (too short, bad magic, version, page size or checksum). */
    static Header header(byte[] wal) {
        if (wal.length < 32) return null;
        ByteBuffer b = ByteBuffer.wrap(wal);
        int magic = b.getInt(0);
        int pageSize = b.getInt(8);
        boolean pow2 = pageSize >= 512 && pageSize <= 65536 && (pageSize & (pageSize - 1)) == 0;
        if (magic != 0x377f0682 && magic != 0x377f0683 || b.getInt(4) != 3007000 || !pow2) return null;
        WalChecksum ck = new WalChecksum(magic == 0x377f0683, 0, 0).update(wal, 0, 24);
        if (!ck.matches(b.getInt(24), b.getInt(28))) return null;
        return new Header(new WalHeader(magic, b.getInt(4), pageSize, b.getInt(12), b.getInt(16), b.getInt(20),
                b.getInt(24), b.getInt(28)));
    }

    /** Reads every frame after {@code start} until the first that is missing, torn, stale or fails its checksum. */
    static WalModel read(byte[] wal, WalPosition start) {
        ByteBuffer b = ByteBuffer.wrap(wal);
        int frameSize = 24 + start.pageSize();
        WalChecksum ck = new WalChecksum(start.bigEndian(), start.checksum1(), start.checksum2());
        List<CommittedTxn> txns = new ArrayList<>();
        List<WalPosition> commits = new ArrayList<>();
        List<Integer> open = new ArrayList<>();
        WalPosition end = start;
        WalScan.StopReason stop;
        for (long frame = start.frame() + 1; ; frame++) {
            long off = 32 + (frame - 1) * frameSize;
            if (off == wal.length) {
                stop = WalScan.StopReason.END_OF_FILE;
                break;
            }
            if (off + frameSize > wal.length) {
                stop = WalScan.StopReason.TORN_FRAME;
                break;
            }
            int o = (int) off;
            if (b.getInt(o + 8) != start.salt1() || b.getInt(o + 12) != start.salt2()) {
                stop = WalScan.StopReason.SALT_MISMATCH;
                break;
            }
            ck.update(wal, o, 8).update(wal, o + 24, start.pageSize());
            if (!ck.matches(b.getInt(o + 16), b.getInt(o + 20)) || b.getInt(o) == 0) {
                stop = WalScan.StopReason.CHECKSUM_MISMATCH;
                break;
            }
            open.add(b.getInt(o));
            int commit = b.getInt(o + 4);
            if (commit != 0) {
                long dbSize = Integer.toUnsignedLong(commit);
                int kept = (int) open.stream().filter(p -> Integer.toUnsignedLong(p) <= dbSize).count();
                txns.add(new CommittedTxn(end.frame() + 1, frame, commit, kept));
                end = end.at(frame, ck.s0(), ck.s1());
                commits.add(end);
                open.clear();
            }
        }
        return new WalModel(txns, commits, end, stop, open.size());
    }

    /** The scan result a reader must return for this WAL. */
    WalScan scan(WalHeader h) {
        return new WalScan(h, txns, end, stop, pending);
    }
}
