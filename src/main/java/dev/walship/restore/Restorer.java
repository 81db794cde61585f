package dev.walship.restore;

import static dev.walship.restore.RestoreException.Kind.CORRUPT;
import static dev.walship.restore.RestoreException.Kind.INTEGRITY_CHECK_FAILED;
import static dev.walship.restore.RestoreException.Kind.OUTPUT_EXISTS;

import dev.walship.replica.ReplicaClient;
import dev.walship.segment.CorruptFileException;
import dev.walship.segment.FileInfo;
import dev.walship.segment.SegmentReader;
import dev.walship.segment.TxnHeader;
import dev.walship.util.Fsync;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Executes a {@link RestorePlan}: applies its files in order to a private temp file, verifies it, and moves it into
 * place. Later files download in parallel while earlier ones are applied, and a dropped download resumes where it
 * broke ({@link Downloads}).
 */
public final class Restorer {

    /** How much of SQLite's own check to run on the result. */
    public enum IntegrityCheck { FULL, QUICK, NONE }

    /**
     * How to download the plan's files.
     *
     * @param parallelism how many objects are read from the replica at once: while one file is applied, up to
     *     this many later files download into temp files next to the output (each at most as large as that file;
     *     no file is held in memory). 1 streams every file in turn and needs no temp files.
     * @param attempts how many tries in a row may fail without receiving a byte before a download is given up
     *     (1: a dropped connection is not resumed); a try that made progress resets the count
     * @param firstBackoff the wait before the first retry; it doubles per failed try, up to
     *     {@value ResumingInputStream#MAX_BACKOFF_MILLIS} ms
     */
    public record Downloads(int parallelism, int attempts, Duration firstBackoff) {
        /** Four objects at once; six tries (about eight seconds of retrying) without progress. */
        public static final Downloads DEFAULTS = new Downloads(4, 6, Duration.ofMillis(250));
        public static final int MAX_PARALLELISM = 32;

        public Downloads {
            Objects.requireNonNull(firstBackoff, "firstBackoff");
            if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
                throw new IllegalArgumentException("download parallelism must be 1 to " + MAX_PARALLELISM + ", not "
                        + parallelism);
            }
            if (attempts < 1 || attempts > 100) {
                throw new IllegalArgumentException("download attempts must be 1 to 100, not " + attempts);
            }
            if (firstBackoff.isNegative() || firstBackoff.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("download backoff must be 0 to 1 minute, not " + firstBackoff);
            }
        }

        public Downloads withParallelism(int parallelism) {
            return new Downloads(parallelism, attempts, firstBackoff);
        }
    }

    /**
     * How to write the result.
     *
     * @param force overwrite an existing output (and delete its stale -wal/-shm/-journal)
     * @param progress receives occasional one-line progress reports; null means silent
     * @param downloads parallel and resumed downloads; {@link Downloads#DEFAULTS} unless given
     */
    public record Options(Path output, boolean force, IntegrityCheck integrity, Consumer<String> progress,
                          Downloads downloads) {
        public Options {
            Objects.requireNonNull(output, "output");
            Objects.requireNonNull(integrity, "integrity");
            Objects.requireNonNull(downloads, "downloads");
        }

        /** With {@link Downloads#DEFAULTS}. */
        public Options(Path output, boolean force, IntegrityCheck integrity, Consumer<String> progress) {
            this(output, force, integrity, progress, Downloads.DEFAULTS);
        }

        public Options withDownloads(Downloads downloads) {
            return new Options(output, force, integrity, progress, downloads);
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private Restorer() {}

    public static RestoreResult restore(ReplicaClient replica, RestorePlan plan, Options options) throws IOException {
        Path output = options.output().toAbsolutePath().normalize();
        if (Files.isDirectory(output)) {
            throw new RestoreException(OUTPUT_EXISTS, output + " is a directory; pass the path of the database file");
        }
        if (!options.force() && Files.exists(output, LinkOption.NOFOLLOW_LINKS)) {
            throw new RestoreException(OUTPUT_EXISTS, output + " exists; pass --force to overwrite it");
        }
        Path dir = output.getParent();
        if (!Files.isDirectory(dir)) {
            throw new IOException("restore: directory " + dir + " does not exist; create it first");
        }
        Path tmp = createTemp(dir, output.getFileName().toString(), ".tmp");
        boolean done = false;
        try {
            RestoreResult result = build(replica, plan, options, tmp);
            String problem = IntegrityChecker.check(tmp, options.integrity());
            if (problem != null) {
                throw new RestoreException(INTEGRITY_CHECK_FAILED, "restore: SQLite rejected the restored database"
                        + " at txid " + result.txid() + " (" + problem + ") although every walship checksum matched;"
                        + " please report this as a walship bug, and restore an earlier target meanwhile");
            }
            publish(tmp, output, options.force());
            done = true;
            return result;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
                IntegrityChecker.deleteSidecars(tmp);
            }
        }
    }

    /** Applies the plan's files strictly in order; only their downloads overlap (see {@link Prefetcher}). */
    private static RestoreResult build(ReplicaClient replica, RestorePlan plan, Options options, Path tmp)
            throws IOException {
        var files = plan.files();
        var progress = new Progress(options.progress(), plan.totalBytes(), files.size(), System.nanoTime());
        String name = options.output().getFileName().toString();
        int filesRead = 0;
        RecordApplier applier;
        try (Prefetcher fetch = new Prefetcher(replica, files, options.downloads(),
                suffix -> createTemp(tmp.getParent(), name, suffix), ResumingInputStream.THREAD_SLEEP);
             FileChannel db = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            applier = new RecordApplier(db, plan.snapshot().name());
            boolean stopped = false;
            for (int i = 0; i < files.size() && !stopped; i++) {
                FileInfo f = files.get(i);
                int fileNo = i + 1;
                Runnable tick = () -> progress.update(fetch.bytes(), fileNo, System.nanoTime());
                filesRead++;
                try (InputStream in = fetch.open(i, tick);
                     SegmentReader r = SegmentReader.open(in, f.name(), f)) {
                    applier.begin(r.header(), f.name());
                    for (TxnHeader t; (t = r.nextTxn()) != null; ) {
                        // records are in txid order with non-decreasing times: the first one past a limit ends it all
                        if (i > 0 && (stopped || t.txid() > plan.stopAfterTxid() || t.time() > plan.stopAtTime())) {
                            stopped = true;
                            applier.skip(r, t, tick); // still verified: a damaged file is reported, never half-trusted
                        } else {
                            applier.apply(r, t, f.name(), tick);
                        }
                    }
                } catch (CorruptFileException e) {
                    throw new RestoreException(CORRUPT, "restore: " + e.getMessage(), e);
                } finally {
                    fetch.release(i);
                }
            }
            applier.finish();
            TxnHeader last = applier.last();
            return new RestoreResult(last.txid(), last.time(), last.dbSize(), applier.pageSize(), applier.checksum(),
                    filesRead, fetch.bytes(), plan.granularity(), fetch.resumptions());
        }
    }

    /** {@code .<name>.walship-<random><suffix>} next to the output, readable only by us where POSIX allows. */
    private static Path createTemp(Path dir, String name, String suffix) throws IOException {
        byte[] rnd = new byte[6];
        RANDOM.nextBytes(rnd);
        Path tmp = dir.resolve("." + name + ".walship-" + HexFormat.of().formatHex(rnd) + suffix);
        FileAttribute<?>[] attrs = dir.getFileSystem().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        try {
            return Files.createFile(tmp, attrs);
        } catch (IOException e) {
            throw new IOException("restore: cannot create temp file " + tmp + " (" + e.getMessage()
                    + "); check that " + dir + " is writable", e);
        }
    }

    /** Moves the verified temp file into place; without force, never replaces a file that appeared meanwhile. */
    private static void publish(Path tmp, Path output, boolean force) throws IOException {
        if (force) {
            // a stale WAL or hot journal next to the new database would be replayed into it and corrupt it
            IntegrityChecker.deleteSidecars(output);
            Files.move(tmp, output, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } else {
            try {
                // rename(2) silently replaces; a hard link fails if the output was created since we checked
                Files.createLink(output, tmp);
                Files.delete(tmp);
            } catch (FileAlreadyExistsException e) {
                throw new RestoreException(OUTPUT_EXISTS, output + " was created while restoring; pass --force to"
                        + " overwrite it", e);
            } catch (UnsupportedOperationException | IOException e) {
                if (Files.exists(output, LinkOption.NOFOLLOW_LINKS)) {
                    throw new RestoreException(OUTPUT_EXISTS, output + " exists; pass --force to overwrite it");
                }
                Files.move(tmp, output, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        Fsync.fsyncDir(output.getParent());
    }
}
