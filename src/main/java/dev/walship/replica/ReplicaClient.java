package dev.walship.replica;

import dev.walship.segment.FileInfo;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The one storage interface every replica backend implements (local directory, S3, GCS). It moves
 * whole immutable files and a few small metadata objects; all replication logic lives above it.
 *
 * <p>Contract, checked by the shared contract test suite:
 * <ul>
 *   <li>A missing data file is reported as {@link java.nio.file.NoSuchFileException}, whatever the backend.</li>
 *   <li>{@link #upload} is atomic: readers see the whole file under its name or nothing.</li>
 *   <li>Methods may be called from several threads.</li>
 *   <li>Error messages name the replica ({@link #url()}) and never contain credentials.</li>
 * </ul>
 * Whoever creates a client closes it.
 */
public interface ReplicaClient extends Closeable {

    /** A description of where this replica lives, safe to log (no secrets). */
    String url();

    /** Every walship data file in the replica (one LIST pass), in no particular order. */
    List<FileInfo> listFiles() throws IOException;

    /** Opens a data file for reading; the caller closes the stream. */
    InputStream open(FileInfo file) throws IOException;

    /**
     * Opens a data file from byte {@code offset} on, so a dropped download can resume where it broke.
     * Backends override this with a ranged read; the default skips.
     */
    default InputStream open(FileInfo file, long offset) throws IOException {
        InputStream in = open(file);
        try {
            in.skipNBytes(offset);
            return in;
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** Stores the local file under {@code file.name()}, atomically and durably. Overwrites an equal name. */
    void upload(FileInfo file, Path local) throws IOException;

    /** Deletes data files; files that are already gone are not an error. */
    void delete(Collection<FileInfo> files) throws IOException;

    /** Reads a small metadata object (e.g. the manifest) by its replica-relative name. */
    Optional<byte[]> readObject(String name) throws IOException;

    /** Writes a small metadata object atomically. */
    void writeObject(String name, byte[] data) throws IOException;

    /** Requests a backend made since it was created, by kind, for the request-economy metrics. */
    record RequestCounts(long put, long get, long list, long delete) {
        public static final RequestCounts NONE = new RequestCounts(0, 0, 0, 0);
    }

    /** Requests made so far; backends without a per-request cost (the local directory) report none. */
    default RequestCounts requestCounts() {
        return RequestCounts.NONE;
    }

    /** A small object and the version token that a conditional write must name to replace it. */
    record Versioned(byte[] data, String version) {}

    /** Reads a small metadata object with its version (S3 ETag, GCS generation, a content hash locally). */
    Optional<Versioned> readVersioned(String name) throws IOException;

    /**
     * Writes a small object only if its current version is {@code expectedVersion}, or, when that is
     * null, only if it does not exist (S3 If-Match / If-None-Match, GCS ifGenerationMatch). This is
     * what fences a second sidecar off a replica. Returns the new version.
     *
     * @throws PreconditionFailedException when the object changed (or exists) meanwhile
     */
    String writeIf(String name, byte[] data, String expectedVersion) throws IOException;
}
