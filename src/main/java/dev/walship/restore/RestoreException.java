package dev.walship.restore;

import java.io.IOException;

/** A restore that cannot be planned or completed, with a {@link Kind} so the CLI can choose an exit code. */
public final class RestoreException extends IOException {

    /** Why the restore failed. */
    public enum Kind {
        /** The replica holds no snapshot at all. */
        NO_SNAPSHOTS,
        /** The target is older than the oldest snapshot. */
        BEFORE_EARLIEST,
        /** The target time is later than now. */
        IN_FUTURE,
        /** The target txid is newer than anything the replica holds. */
        BEYOND_LATEST,
        /** Txids needed to reach the target are missing from the replica. */
        GAP,
        /** The target txid exists only inside a compacted file, which keeps only its final state. */
        COMPACTED,
        /** The output file exists and overwriting was not allowed. */
        OUTPUT_EXISTS,
        /** A replica file failed its own checksums or format checks. */
        CORRUPT,
        /** The applied pages do not add up to the database the replica recorded. */
        CHECKSUM_MISMATCH,
        /** SQLite's integrity check rejected the restored database. */
        INTEGRITY_CHECK_FAILED
    }

    private final Kind kind;

    public RestoreException(Kind kind, String message) {
        this(kind, message, null);
    }

    public RestoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        if (kind == null) throw new IllegalArgumentException("kind is required");
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
