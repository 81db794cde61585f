package dev.walship.wal;

/**
 * Signals that the WAL file exists but is empty, which is normal before the first write and after a
 * {@code TRUNCATE} checkpoint, so callers usually treat it as "nothing to ship" rather than an error.
 */
public final class EmptyWalException extends WalException {
    private static final long serialVersionUID = 1L;

    public EmptyWalException(String source) {
        super("read wal", source, "file is empty (no WAL yet, normal after a TRUNCATE checkpoint)");
    }
}
