package dev.walship.wal;

import java.io.IOException;

/**
 * Signals that a WAL or -shm file could not be read or is not a usable SQLite WAL.
 *
 * <p>The message always names the step, the file and what went wrong, for example {@code read wal
 * /data/app.db-wal: frame 17 checksum mismatch (the WAL is corrupt or was rewritten; walship will
 * take a fresh snapshot)}, because operators see it in logs without the stack trace.
 */
public class WalException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Builds {@code "<step> <source>: <detail>"}. */
    public WalException(String step, String source, String detail) {
        super(step + " " + source + ": " + detail);
    }

    public WalException(String step, String source, String detail, Throwable cause) {
        super(step + " " + source + ": " + detail, cause);
    }
}
