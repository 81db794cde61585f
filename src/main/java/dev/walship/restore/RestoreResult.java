package dev.walship.restore;

/**
 * What a finished restore produced: the state it ends at and what it cost to get there.
 *
 * @param txid the last transaction applied
 * @param time that transaction's time, epoch milliseconds
 * @param dbChecksum the whole-database checksum of the restored file (docs/FORMAT.md)
 * @param bytesRead stored bytes read from the replica (each byte once, however often a download resumed)
 * @param resumptions how often a dropped or failed download was retried
 */
public record RestoreResult(long txid, long time, int dbSize, int pageSize, long dbChecksum, int filesRead,
                            long bytesRead, Granularity granularity, long resumptions) {

    public RestoreResult {
        if (txid < 1 || dbSize < 0 || pageSize < 1 || filesRead < 1 || bytesRead < 0 || granularity == null
                || resumptions < 0) {
            throw new IllegalArgumentException("bad restore result: txid " + txid + ", " + dbSize + " pages of "
                    + pageSize + ", " + filesRead + " files, " + bytesRead + " bytes");
        }
    }

    /** A result without resumptions. */
    public RestoreResult(long txid, long time, int dbSize, int pageSize, long dbChecksum, int filesRead,
                         long bytesRead, Granularity granularity) {
        this(txid, time, dbSize, pageSize, dbChecksum, filesRead, bytesRead, granularity, 0);
    }
}
