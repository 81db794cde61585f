package dev.walship.restore;

import java.util.function.Consumer;

/** Rate-limited progress lines for long restores: silent for the first second, then at most one a second. */
final class Progress {
    private static final long SECOND = 1_000_000_000L;
    private static final long MIB = 1024 * 1024;

    private final Consumer<String> sink;
    private final long totalBytes;
    private final int totalFiles;
    private final long start;
    private long lastEmit;

    Progress(Consumer<String> sink, long totalBytes, int totalFiles, long startNanos) {
        this.sink = sink;
        this.totalBytes = totalBytes;
        this.totalFiles = totalFiles;
        this.start = startNanos;
        this.lastEmit = startNanos;
    }

    /** Called often (per page); cheap unless a line is due. {@code file} is 1-based. */
    void update(long bytesRead, int file, long nowNanos) {
        if (sink == null || nowNanos - start < SECOND || nowNanos - lastEmit < SECOND) return;
        lastEmit = nowNanos;
        sink.accept(line(bytesRead, file));
    }

    String line(long bytesRead, int file) {
        String files = "file " + file + "/" + totalFiles;
        // sizes come from the listing; a backend that does not report them still gets a file count
        if (totalBytes <= 0) return "restore: " + bytesRead / MIB + " MiB read, " + files;
        long pct = Math.min(100, bytesRead * 100 / totalBytes);
        return "restore: " + pct + "% (" + bytesRead / MIB + "/" + totalBytes / MIB + " MiB, " + files + ")";
    }
}
