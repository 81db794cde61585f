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
import java.io.FilterInputStream;
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
import java.util.HexFormat;
import java.util.Objects;
import java.util.function.Consumer;

/** Executes a {@link RestorePlan}: streams its files into a private temp file, verifies it, and moves it into place. */
public final class Restorer {

    /** How much of SQLite's own check to run on the result. */
    public enum IntegrityCheck { FULL, QUICK, NONE }

    /**
     * How to write the result.
     *
     * @param force overwrite an existing output (and delete its stale -wal/-shm/-journal)
     * @param progress receives occasional one-line progress reports; null means silent
     */
    public record Options(Path output, boolean force, IntegrityCheck integrity, Consumer<String> progress) {
        public Options {
            Objects.requireNonNull(output, "output");
            Objects.requireNonNull(integrity, "integrity");
        }
    }

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
        Path tmp = createTemp(dir, output.getFileName().toString());
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

    private static RestoreResult build(ReplicaClient replica, RestorePlan plan, Options options, Path tmp)
            throws IOException {
        var files = plan.files();
        var progress = new Progress(options.progress(), plan.totalBytes(), files.size(), System.nanoTime());
        long[] bytes = {0};
        int filesRead = 0;
        RecordApplier applier;
        try (FileChannel db = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            applier = new RecordApplier(db, plan.snapshot().name());
            boolean stopped = false;
            for (int i = 0; i < files.size() && !stopped; i++) {
                FileInfo f = files.get(i);
                int fileNo = i + 1;
                Runnable tick = () -> progress.update(bytes[0], fileNo, System.nanoTime());
                filesRead++;
                try (InputStream raw = replica.open(f);
                     SegmentReader r = SegmentReader.open(counting(raw, bytes), f.name(), f)) {
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
                }
            }
            applier.finish();
        }
        TxnHeader last = applier.last();
        return new RestoreResult(last.txid(), last.time(), last.dbSize(), applier.pageSize(), applier.checksum(),
                filesRead, bytes[0], plan.granularity());
    }

    /** {@code .<name>.walship-<random>.tmp} next to the output, readable only by us where POSIX allows. */
    private static Path createTemp(Path dir, String name) throws IOException {
        byte[] rnd = new byte[6];
        new SecureRandom().nextBytes(rnd);
        Path tmp = dir.resolve("." + name + ".walship-" + HexFormat.of().formatHex(rnd) + ".tmp");
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

    private static InputStream counting(InputStream in, long[] counter) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) counter[0]++;
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) counter[0] += n;
                return n;
            }
        };
    }
}
