package dev.walship.segment;

import java.io.IOException;

/** A data file (or checksum state file) failed a structural or checksum check and must not be used. */
public class CorruptFileException extends IOException {

    private static final String DEFAULT_ADVICE =
            "do not apply it; restore from another snapshot or re-upload the file from its source";

    private final String source;

    public CorruptFileException(String source, String what) {
        this(source, what, DEFAULT_ADVICE, null);
    }

    public CorruptFileException(String source, String what, Throwable cause) {
        this(source, what, DEFAULT_ADVICE, cause);
    }

    public CorruptFileException(String source, String what, String advice, Throwable cause) {
        super("read " + source + ": " + what + " (the file is corrupt or truncated; " + advice + ")", cause);
        this.source = source;
    }

    /** The object name or path that was being read. */
    public String source() {
        return source;
    }
}
