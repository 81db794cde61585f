package dev.walship.db;

import dev.walship.wal.ShmInfo;
import dev.walship.wal.ShmReader;
import dev.walship.wal.WalHeader;
import dev.walship.wal.WalPosition;
import dev.walship.wal.WalScan;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.Optional;

/**
 * Proves that a WAL restart or truncation walship did not watch lost no commit, using the WAL
 * index's commit counter (iChange): SQLite adds one to it for every commit and for nothing else. If,
 * since a moment when walship had copied every commit, the counter grew by exactly the number of
 * transactions walship shipped plus those in the current WAL generation, no commit can have been
 * lost in between, however many restarts or truncations happened.
 */
final class CommitWitness {
    private final FileChannel shm;
    /** iChange when walship last had every commit copied, or null when unknown (e.g. after a restart). */
    private Long observed;
    /** Transactions shipped since {@link #observed} was taken. */
    private long shippedSince;

    CommitWitness(FileChannel shm) {
        this.shm = shm;
    }

    void shipped(int txns) {
        shippedSince += txns;
    }

    void forget() {
        observed = null;
    }

    /**
     * Records the counter if walship has copied every commit of the generation at {@code copied}
     * (null: the WAL is empty). Returns true when, in addition, every frame is checkpointed, so the WAL
     * could restart losslessly right now.
     */
    boolean observe(WalPosition copied) throws IOException {
        Optional<ShmInfo> o = ShmReader.read(shm);
        if (o.isEmpty() || !o.get().stable()) return false;
        ShmInfo i = o.get();
        long frames = copied == null ? 0 : copied.frame();
        boolean sameGen = copied == null ? i.mxFrame() == 0
                : i.salt1() == copied.salt1() && i.salt2() == copied.salt2();
        if (!sameGen || i.mxFrame() != frames) return false;
        observed = i.change();
        shippedSince = 0;
        return frames > 0 && i.nBackfill() >= frames;
    }

    /**
     * Whether every commit since the observation is accounted for by what walship shipped plus the
     * committed transactions of {@code current} (the generation with header {@code now}; both null
     * when the WAL is empty now).
     */
    boolean accountsFor(WalHeader now, WalScan current) throws IOException {
        return accountsFor(now, current, ShmReader.read(shm));
    }

    /** The WAL index as it is now, for {@link #accountsFor(WalHeader, WalScan, Optional)}. */
    Optional<ShmInfo> indexNow() throws IOException {
        return ShmReader.read(shm);
    }

    /**
     * As {@link #accountsFor(WalHeader, WalScan)}, with the WAL index read before {@code current} was scanned:
     * every frame the index counts is then in the scan. Read after the scan, a busy writer's newer commits
     * would be counted by the index but missing from the scan, and the proof would fail for nothing.
     */
    boolean accountsFor(WalHeader now, WalScan current, Optional<ShmInfo> o) {
        if (observed == null) return false;
        if (o.isEmpty() || !o.get().stable()) return false;
        ShmInfo i = o.get();
        long inCurrent = 0;
        if (now == null) {
            if (i.mxFrame() != 0) return false;
        } else {
            if (!i.matches(now)) return false;
            if (i.mxFrame() > 0) {
                inCurrent = -1;
                for (int k = 0; k < current.txns().size(); k++) {
                    if (current.txns().get(k).commitFrame() == i.mxFrame()) inCurrent = k + 1;
                }
                if (inCurrent < 0) return false;
            }
        }
        long delta = (i.change() - observed) & 0xffffffffL;
        return delta == shippedSince + inCurrent;
    }
}
