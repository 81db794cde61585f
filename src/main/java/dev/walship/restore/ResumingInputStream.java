package dev.walship.restore;

import dev.walship.replica.ReplicaClient;
import dev.walship.segment.FileInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads one replica object and survives dropped connections: when the stream fails mid-read it is reopened at
 * the current offset with {@link ReplicaClient#open(FileInfo, long)} (a ranged read), after a short exponential
 * backoff.
 *
 * <p>Rules:
 * <ul>
 *   <li>A missing object ({@link NoSuchFileException}), a refused one ({@link AccessDeniedException}) and an
 *       interrupted thread are never retried: they are thrown as they are.</li>
 *   <li>Any other {@link IOException} of an open or a read is retried, up to {@code attempts} tries in a row
 *       that deliver no new byte; a try that delivers at least one byte resets the count and the backoff, so a
 *       long download over a flaky link keeps going as long as it makes progress.</li>
 *   <li>When the listing gave the object's size, an end of stream before that size is a dropped connection
 *       too, never a short object: this stream does not return fewer bytes than the object has. (Without a
 *       known size an early end cannot be told apart from the real one; the segment trailer catches it.)</li>
 *   <li>When the tries are used up, the {@link IOException} names the object, the replica and how many bytes
 *       were read, with the last failure as its cause.</li>
 * </ul>
 * Not thread-safe (like any stream); the counters may be shared between streams.
 */
final class ResumingInputStream extends InputStream {

    /** Waits between tries; tests substitute one that does not sleep. */
    interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    static final Sleeper THREAD_SLEEP = Thread::sleep;
    /** The backoff doubles per failed try up to this. */
    static final long MAX_BACKOFF_MILLIS = 8_000;

    private final ReplicaClient replica;
    private final FileInfo file;
    private final int attempts;
    private final long firstBackoffMillis;
    private final Sleeper sleeper;
    private final AtomicLong resumptions;
    private final AtomicLong bytesCounter;
    private final long size; // -1: unknown
    private InputStream in; // null after a failure that was not recovered from
    private long pos;
    private long openedAt; // pos when the current connection was opened
    private int failuresInARow; // failed tries since the last one that delivered a byte
    private boolean eof;
    private boolean closed;

    private ResumingInputStream(ReplicaClient replica, FileInfo file, int attempts, long firstBackoffMillis,
                                Sleeper sleeper, AtomicLong resumptions, AtomicLong bytesCounter) {
        if (attempts < 1) throw new IllegalArgumentException("attempts must be at least 1");
        if (firstBackoffMillis < 0) throw new IllegalArgumentException("backoff must not be negative");
        this.replica = Objects.requireNonNull(replica, "replica");
        this.file = Objects.requireNonNull(file, "file");
        this.attempts = attempts;
        this.firstBackoffMillis = firstBackoffMillis;
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.resumptions = Objects.requireNonNull(resumptions, "resumptions");
        this.bytesCounter = Objects.requireNonNull(bytesCounter, "bytesCounter");
        // listings that cannot tell report 0 or -1; every real walship file has at least a header and a trailer
        this.size = file.size() > 0 ? file.size() : -1;
    }

    /**
     * Opens {@code file}, retrying a failed first open like a dropped read (except a missing object).
     *
     * @param resumptions incremented once per reopen after a failure
     * @param bytesCounter incremented by every byte handed to the caller (never counts a byte twice)
     */
    static ResumingInputStream open(ReplicaClient replica, FileInfo file, int attempts, long firstBackoffMillis,
                                    Sleeper sleeper, AtomicLong resumptions, AtomicLong bytesCounter)
            throws IOException {
        var s = new ResumingInputStream(replica, file, attempts, firstBackoffMillis, sleeper, resumptions,
                bytesCounter);
        s.openWithRetries(null);
        return s;
    }

    /** Bytes handed out so far, which is also the offset the next reopen starts at. */
    long position() {
        return pos;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (closed) throw new IOException("read " + file.name() + ": stream closed");
        if (len == 0) return 0;
        if (eof) return -1;
        if (in == null) throw new IOException("read " + file.name() + " from " + replica.url() + ": the download"
                + " already failed at byte " + pos);
        while (true) {
            IOException failure;
            try {
                int n = in.read(b, off, len);
                if (n > 0) {
                    pos += n;
                    bytesCounter.addAndGet(n);
                    return n;
                }
                if (n < 0) {
                    if (size < 0 || pos >= size) {
                        eof = true;
                        return -1;
                    }
                    failure = new IOException("the stream ended after " + pos + " of " + size + " bytes");
                } else {
                    continue; // a stream may legally return 0 for len > 0; ask again
                }
            } catch (IOException e) {
                if (!retryable(e)) throw e;
                failure = e;
            } catch (java.io.UncheckedIOException e) {
                if (!retryable(e.getCause())) throw e.getCause();
                failure = e.getCause();
            }
            if (size >= 0 && pos >= size) {
                // every byte the object has arrived: the connection only failed to say so
                closeQuietly(in);
                in = null;
                eof = true;
                return -1;
            }
            recover(failure);
        }
    }

    /** Gives up the failed connection and opens a new one at {@link #pos}. */
    private void recover(IOException failure) throws IOException {
        closeQuietly(in); // before the new one: a download never holds two connections
        in = null;
        if (pos > openedAt) failuresInARow = 0; // the connection that failed had made progress
        failuresInARow++;
        openWithRetries(failure);
    }

    /**
     * Opens at {@link #pos}, retrying until {@link #attempts} tries in a row failed without progress; each
     * failed try waits longer. {@code last} is the failure that led here (null on the first open).
     */
    private void openWithRetries(IOException last) throws IOException {
        while (true) {
            if (failuresInARow >= attempts) throw exhausted(last);
            if (failuresInARow > 0) {
                backoff(failuresInARow, last);
                resumptions.incrementAndGet();
            }
            try {
                in = pos == 0 ? replica.open(file) : replica.open(file, pos);
                openedAt = pos;
                return;
            } catch (IOException e) {
                if (!retryable(e)) throw e;
                last = e;
                failuresInARow++;
            }
        }
    }

    private void backoff(int failedTries, IOException last) throws IOException {
        long wait = firstBackoffMillis;
        for (int i = 1; i < failedTries && wait < MAX_BACKOFF_MILLIS; i++) wait *= 2;
        wait = Math.min(wait, MAX_BACKOFF_MILLIS);
        if (wait == 0) {
            if (Thread.currentThread().isInterrupted()) throw interrupted(last);
            return;
        }
        try {
            sleeper.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted(last);
        }
    }

    private InterruptedIOException interrupted(IOException last) {
        var e = new InterruptedIOException("read " + file.name() + " from " + replica.url()
                + ": interrupted while waiting to resume at byte " + pos);
        if (last != null) e.initCause(last);
        return e;
    }

    private IOException exhausted(IOException last) {
        String of = size >= 0 ? " of " + size : "";
        String why = last == null ? "" : ": " + last.getMessage();
        int tries = failuresInARow;
        return new IOException("read " + file.name() + " from " + replica.url() + ": gave up after " + tries
                + (tries == 1 ? " failed try" : " failed tries in a row") + " with " + pos + of + " bytes read"
                + why, last);
    }

    /** Whether another try can help: not for a missing or forbidden object, nor when we are being stopped. */
    private static boolean retryable(IOException e) {
        if (e instanceof NoSuchFileException || e instanceof AccessDeniedException) return false;
        // A wrong key or a tampered object fails the same way however often it is read.
        if (e instanceof dev.walship.replica.crypto.DecryptionException) return false;
        if (e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException)) return false;
        return !Thread.currentThread().isInterrupted();
    }

    private static void closeQuietly(InputStream s) {
        try {
            s.close();
        } catch (IOException | RuntimeException ignored) {
            // the connection is being given up anyway
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        if (in != null) {
            InputStream s = in;
            in = null;
            s.close();
        }
    }
}
