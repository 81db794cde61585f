package dev.walship.restore;

import dev.walship.replica.ReplicaClient;
import dev.walship.restore.Restorer.Downloads;
import dev.walship.segment.FileInfo;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands the restore the files of its plan one after the other, in order, while the files after the one being
 * applied download in the background.
 *
 * <p>The first file (the snapshot, usually the largest) is always streamed straight from the replica, so a
 * restore never needs room for a second copy of it. With a pool (more than two files and a parallelism above
 * one), the files after it are downloaded by {@code parallelism} threads into temp files (mode 0600, next to the
 * output), at most {@code parallelism} files ahead of the one being applied; while the snapshot streams, one
 * fewer, so no more than {@code parallelism} objects are ever read from the replica at once. Each temp file is
 * deleted as soon as its file was applied ({@link #release}), and every one of them, finished or not, when the
 * prefetcher is closed. Without a pool every file is streamed.
 *
 * <p>Every replica read goes through a {@link ResumingInputStream}. Used from one thread (the restore's); only
 * the downloads run on the pool.
 */
final class Prefetcher implements Closeable {
    /** How long {@link #close} waits for interrupted downloads to stop before deleting their temp files anyway. */
    private static final long STOP_WAIT_SECONDS = 5;
    /** How often a restore waiting for a download gets a chance to report progress. */
    private static final long WAIT_SLICE_MILLIS = 250;
    private static final AtomicInteger POOLS = new AtomicInteger();

    /** Creates an empty temp file readable only by its owner; the restore's own naming and messages. */
    interface TempFiles {
        Path create(String suffix) throws IOException;
    }

    private final ReplicaClient replica;
    private final List<FileInfo> files;
    private final Downloads settings;
    private final TempFiles temps;
    private final ResumingInputStream.Sleeper sleeper;
    private final ExecutorService pool; // null: everything is streamed
    private final Path[] temp;
    private final Future<?>[] download;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong resumptions = new AtomicLong();
    private int submitted = 1; // files[1 .. submitted-1] have a download

    Prefetcher(ReplicaClient replica, List<FileInfo> files, Downloads settings, TempFiles temps,
               ResumingInputStream.Sleeper sleeper) {
        this.replica = replica;
        this.files = List.copyOf(files);
        this.settings = settings;
        this.temps = temps;
        this.sleeper = sleeper;
        this.temp = new Path[this.files.size()];
        this.download = new Future<?>[this.files.size()];
        int threads = Math.min(settings.parallelism(), this.files.size() - 1);
        // with one or two files there is nothing worth overlapping: the second waits for the first either way
        this.pool = settings.parallelism() > 1 && this.files.size() > 2 ? Executors.newFixedThreadPool(threads,
                daemonThreads("walship-restore-" + POOLS.incrementAndGet() + "-download-")) : null;
    }

    /** Stored bytes received from the replica so far (each byte once, however often a download resumed). */
    long bytes() {
        return bytes.get();
    }

    /** How often a dropped or failed read was retried. */
    long resumptions() {
        return resumptions.get();
    }

    /** Whether downloads run in the background (false: every file is streamed). */
    boolean parallel() {
        return pool != null;
    }

    /**
     * The content of file {@code i}; files must be asked for in order, each after the previous was released.
     * Starts the downloads ahead of it; while waiting for its own download, calls {@code whileWaiting} now and
     * then (to report progress). Fails, naming the object, if it or any download started so far failed.
     */
    InputStream open(int i, Runnable whileWaiting) throws IOException {
        FileInfo f = files.get(i);
        if (pool == null || i == 0) {
            if (pool != null) submitUpTo(settings.parallelism() - 1); // the snapshot's stream is one of the P reads
            try {
                return stream(f);
            } catch (IOException e) {
                throw failed(f, e);
            }
        }
        submitUpTo(i + settings.parallelism());
        checkFailures(i);
        await(i, whileWaiting);
        return Files.newInputStream(temp[i]);
    }

    /** Deletes the temp file of file {@code i} (applied, or given up). */
    void release(int i) throws IOException {
        Path p = temp[i];
        if (p != null) {
            temp[i] = null;
            Files.deleteIfExists(p);
        }
    }

    private InputStream stream(FileInfo f) throws IOException {
        return ResumingInputStream.open(replica, f, settings.attempts(), settings.firstBackoff().toMillis(), sleeper,
                resumptions, bytes);
    }

    private void submitUpTo(int last) throws IOException {
        last = Math.min(last, files.size() - 1);
        for (; submitted <= last; submitted++) {
            int j = submitted;
            Path p = temps.create(".part");
            temp[j] = p;
            download[j] = pool.submit(() -> {
                fetch(files.get(j), p);
                return null;
            });
        }
    }

    /** Runs on the pool: the whole object into its temp file, which the restore thread created. */
    private void fetch(FileInfo f, Path p) throws IOException {
        // no CREATE: if the restore already gave up and deleted the file, this fails instead of leaving one behind
        try (OutputStream out = Files.newOutputStream(p, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
             InputStream in = stream(f)) {
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) >= 0; ) {
                try {
                    out.write(buf, 0, n);
                } catch (IOException e) {
                    throw new IOException("cannot write temp file " + p + " (" + e.getMessage() + ")", e);
                }
            }
        }
    }

    /** Fails on the first download (in plan order, from {@code from}) that already failed. */
    private void checkFailures(int from) throws IOException {
        for (int j = from; j < submitted; j++) {
            if (download[j].isDone()) result(j);
        }
    }

    private void await(int i, Runnable whileWaiting) throws IOException {
        while (true) {
            try {
                download[i].get(WAIT_SLICE_MILLIS, TimeUnit.MILLISECONDS);
                return;
            } catch (TimeoutException e) {
                whileWaiting.run();
                checkFailures(i + 1); // a later download that failed meanwhile ends the restore now, not later
            } catch (ExecutionException | CancellationException e) {
                result(i);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("restore: interrupted while waiting for " + files.get(i).name());
            }
        }
    }

    /** Returns if download {@code j} (done) succeeded, else throws naming its object. */
    private void result(int j) throws IOException {
        try {
            download[j].get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw failed(files.get(j), io);
            throw new IllegalStateException("restore: downloading " + files.get(j).name() + " failed: " + c, c);
        } catch (CancellationException e) {
            throw new IOException("restore: the download of " + files.get(j).name() + " was cancelled", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("restore: interrupted while waiting for " + files.get(j).name());
        }
    }

    private IOException failed(FileInfo f, IOException e) {
        if (e instanceof InterruptedIOException) return e;
        if (e instanceof NoSuchFileException) {
            return new IOException("restore: " + f.name() + " is missing from replica " + replica.url()
                    + " (deleted while restoring, e.g. by retention?); plan the restore again", e);
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        // ResumingInputStream and the backends already name the object; say it once
        return new IOException(m.contains(f.name()) ? "restore: " + m
                : "restore: downloading " + f.name() + " from " + replica.url() + " failed: " + m, e);
    }

    /** Stops the downloads and deletes every temp file left; safe to call twice. */
    @Override
    public void close() throws IOException {
        if (pool != null) {
            pool.shutdownNow(); // interrupts downloads in flight; their resumption waits end at once
            try {
                pool.awaitTermination(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // a download still blocked on the network cannot write here any more: it writes to an unlinked file,
        // and one that has not started cannot create it again
        IOException problem = null;
        for (int j = 0; j < temp.length; j++) {
            try {
                release(j);
            } catch (IOException e) {
                if (problem == null) problem = new IOException("restore: cannot delete temp file: " + e.getMessage(), e);
                else problem.addSuppressed(e);
            }
        }
        if (problem != null) throw problem;
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true); // a download stuck on a dead connection must not keep the JVM alive
            return t;
        };
    }
}
