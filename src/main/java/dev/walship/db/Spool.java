package dev.walship.db;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.walship.segment.FileInfo;
import dev.walship.util.Fsync;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local, durable staging area of one database: files land here (write temp, fsync, rename,
 * fsync dir) before any replica sees them, together with the follower's resume state. A replica
 * outage therefore never loses data, and a crash never loses a committed transaction that was spooled.
 *
 * <pre>
 * spool/state.json      FollowerState
 * spool/checksum.bin    page-hash table (DbChecksum) as of state.checksumTxid
 * spool/pending/*.seg|.snap  files not yet on every replica (name = FileInfo name with '/' -> '_')
 * spool/tmp/            files being written; emptied at start
 * </pre>
 */
public final class Spool {
    private static final Logger log = LoggerFactory.getLogger(Spool.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** One spooled file and where it lies. */
    public record Pending(FileInfo info, Path path) {}

    private final Path dir;
    private final Path pending;
    private final Path tmp;

    public Spool(Path dir) throws IOException {
        this.dir = dir.toAbsolutePath().normalize();
        this.pending = this.dir.resolve("pending");
        this.tmp = this.dir.resolve("tmp");
        try {
            Fsync.privateDirectories(this.dir);
            Fsync.privateDirectories(pending);
            Fsync.privateDirectories(tmp);
        } catch (IOException e) {
            throw new IOException("create spool directory " + this.dir + ": " + e.getMessage()
                    + " (set spool-dir to a writable directory on a persistent volume)", e);
        }
        clearTmp();
    }

    public Path dir() {
        return dir;
    }

    /** A fresh temporary file path inside the spool (same filesystem as pending/, so rename is atomic). */
    public Path newTemp(String suffix) {
        return tmp.resolve(java.util.UUID.randomUUID() + suffix);
    }

    /** Moves a fully written temp file into pending/ durably and returns its final path. */
    public Path publish(Path temp, FileInfo info) throws IOException {
        Fsync.fsyncFile(temp);
        Path target = pending.resolve(flatten(info));
        Fsync.publish(temp, target);
        return target;
    }

    /** Spooled files, oldest txid first; for equal ranges snapshots sort after segments. */
    public List<Pending> pending() throws IOException {
        List<Pending> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(pending)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) continue;
                long size;
                try {
                    size = Files.size(p);
                } catch (java.nio.file.NoSuchFileException e) {
                    continue; // removed by spool cleanup while we listed: it is on every replica already
                }
                Optional<FileInfo> fi = FileInfo.parse(name.replaceFirst("_", "/"), size);
                if (fi.isPresent()) {
                    out.add(new Pending(fi.get(), p));
                } else {
                    log.warn("ignoring unknown file in spool path={}", p);
                }
            }
        }
        out.sort(Comparator.comparingLong((Pending p) -> p.info().maxTxid())
                .thenComparingLong(p -> p.info().minTxid())
                .thenComparing(p -> p.info().isSnapshot()));
        return out;
    }

    public void remove(Pending p) throws IOException {
        Files.deleteIfExists(p.path());
    }

    /** Total bytes waiting in the spool. */
    public long pendingBytes() throws IOException {
        long n = 0;
        for (Pending p : pending()) n += p.info().size();
        return n;
    }

    public FollowerState loadState() {
        Path f = dir.resolve("state.json");
        if (!Files.exists(f)) return FollowerState.EMPTY;
        try {
            return JSON.readValue(f.toFile(), FollowerState.class);
        } catch (IOException e) {
            // A damaged state file only costs a fresh snapshot; it can never cause a wrong restore.
            log.warn("spool state unreadable, will take a fresh snapshot path={} error={}", f, e.getMessage());
            return FollowerState.EMPTY;
        }
    }

    public void saveState(FollowerState s) throws IOException {
        Fsync.writeAtomically(dir.resolve("state.json"), JSON.writeValueAsBytes(s));
    }

    /**
     * A random id of this spool, created once. It identifies this sidecar as a replica lease owner
     * across restarts: the same spool takes its lease back at once after a crash.
     */
    public String ownerId() throws IOException {
        Path f = dir.resolve("owner-id");
        if (Files.exists(f)) {
            String id = Files.readString(f).trim();
            if (!id.isEmpty()) return id;
        }
        String id = java.util.UUID.randomUUID().toString();
        Fsync.writeAtomically(f, id.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return id;
    }

    public Path checksumFile() {
        return dir.resolve("checksum.bin");
    }

    private void clearTmp() throws IOException {
        // Leftovers of a crash; nothing in tmp/ is ever part of the spool's durable state.
        try (var walk = Files.walk(tmp)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(tmp)) Files.deleteIfExists(p);
            }
        }
    }

    static String flatten(FileInfo info) {
        return info.name().replace('/', '_');
    }
}
