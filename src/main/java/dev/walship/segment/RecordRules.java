package dev.walship.segment;

/**
 * The body rules of docs/FORMAT.md as a state machine, shared so the writer refuses exactly what the reader
 * rejects; each step returns null when the rule holds, or what broke it.
 */
final class RecordRules {

    private final SegmentHeader h;
    private int records;
    private long lastTxid;
    private long lastTime = Long.MIN_VALUE;
    private TxnHeader txn;
    private int pages;
    private int lastPgno;

    RecordRules(SegmentHeader h) {
        this.h = h;
    }

    int records() {
        return records;
    }

    boolean inTxn() {
        return txn != null;
    }

    String beginTxn(TxnHeader t) {
        if (records >= h.txnCount()) return "more than the " + h.txnCount() + " records the header announces";
        if (records > 0 && t.txid() <= lastTxid) {
            return "txid " + t.txid() + " does not increase (previous record was txid " + lastTxid + ")";
        }
        if (t.txid() < h.minTxid() || t.txid() > h.maxTxid()) {
            return "txid " + t.txid() + " is outside the file's range " + h.minTxid() + ".." + h.maxTxid();
        }
        boolean perTxn = h.kind() == FileInfo.Kind.SEGMENT && h.level() == 0;
        long wanted = perTxn ? h.minTxid() + records : h.maxTxid();
        if (t.txid() != wanted) return "record " + records + " has txid " + t.txid() + ", expected " + wanted;
        if (t.time() < h.minTime() || t.time() > h.maxTime()) {
            return "txid " + t.txid() + " time " + t.time() + " is outside " + h.minTime() + ".." + h.maxTime();
        }
        if (t.time() < lastTime) return "txid " + t.txid() + " time " + t.time() + " goes back from " + lastTime;
        if (h.kind() == FileInfo.Kind.SNAPSHOT && t.pageCount() != t.dbSize()) {
            return "snapshot record holds " + t.pageCount() + " pages for a database of " + t.dbSize();
        }
        txn = t;
        pages = 0;
        lastPgno = 0;
        return null;
    }

    String page(int pgno) {
        if (pages >= txn.pageCount()) return "txid " + txn.txid() + " has more than " + txn.pageCount() + " pages";
        if (pgno < 1 || pgno > txn.dbSize()) {
            return "txid " + txn.txid() + " page number " + Integer.toUnsignedString(pgno)
                    + " is outside the database size 1.." + txn.dbSize();
        }
        // L1/L2 and snapshots hold one version of each page, sorted; only L0 may repeat or reorder pages
        boolean perTxn = h.kind() == FileInfo.Kind.SEGMENT && h.level() == 0;
        if (!perTxn && pgno <= lastPgno) {
            return "txid " + txn.txid() + " page " + pgno + " is not above the previous page " + lastPgno;
        }
        if (h.kind() == FileInfo.Kind.SNAPSHOT && pgno != pages + 1) {
            return "snapshot page entry " + (pages + 1) + " has page number " + pgno;
        }
        pages++;
        lastPgno = pgno;
        return null;
    }

    String endTxn() {
        if (pages != txn.pageCount()) {
            return "txid " + txn.txid() + " has " + pages + " pages but its header announces " + txn.pageCount();
        }
        lastTxid = txn.txid();
        lastTime = txn.time();
        records++;
        txn = null;
        return null;
    }

    String finish() {
        if (txn != null) return "txid " + txn.txid() + " is not ended";
        if (records != h.txnCount()) return records + " records but the header announces " + h.txnCount();
        return null;
    }
}
