package dev.walship.segment;

/**
 * The fixed fields that open one transaction record of a data file (see docs/FORMAT.md).
 *
 * @param txid      walship transaction id, positive
 * @param time      epoch milliseconds at which walship saw the commit
 * @param dbSize    database size in pages after this transaction
 * @param pageCount number of page entries in the record
 */
public record TxnHeader(long txid, long time, int dbSize, int pageCount) {

    public TxnHeader {
        if (txid < 1) throw new IllegalArgumentException("txn header: txid must be positive, got " + txid);
        if (dbSize < 0) throw new IllegalArgumentException("txn header " + txid + ": negative dbSize " + dbSize);
        if (pageCount < 0) {
            throw new IllegalArgumentException("txn header " + txid + ": negative pageCount " + pageCount);
        }
    }
}
