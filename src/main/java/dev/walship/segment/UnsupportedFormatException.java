package dev.walship.segment;

import java.io.IOException;

/** A data file was written in a format version (or with format flags) newer than this walship understands. */
public class UnsupportedFormatException extends IOException {

    private final String source;
    private final int format;

    public UnsupportedFormatException(String source, int format, String detail) {
        super("read " + source + ": written by a newer walship (format " + format
                + (detail == null ? "" : ", " + detail) + "); upgrade walship");
        this.source = source;
        this.format = format;
    }

    /** The object name or path that was being read. */
    public String source() {
        return source;
    }

    /** The format version found in the file. */
    public int format() {
        return format;
    }
}
