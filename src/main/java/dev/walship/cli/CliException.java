package dev.walship.cli;

/** A failure the CLI reports as one line on stderr with a specific exit code. */
public final class CliException extends RuntimeException {
    /** Success, but nothing to do (e.g. --if-db-not-exists and the database exists). */
    public static final int OK = 0;
    /** The operation failed at run time (I/O, corrupt replica, failed verification). */
    public static final int FAILED = 1;
    /** Bad input: flags, config, target outside the window, output exists. */
    public static final int BAD_INPUT = 2;
    /** A bug in walship. */
    public static final int INTERNAL = 4;

    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
