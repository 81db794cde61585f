package dev.walship.replica.file;

import dev.walship.replica.ReplicaClient;
import dev.walship.segment.FileInfo;
import dev.walship.util.Fsync;
import dev.walship.replica.PreconditionFailedException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.StandardOpenOption;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * A replica in a local directory (the embedded default). Files are published by write-to-temp,
 * fsync, rename, fsync-directory, so a crash never leaves a half-written data file under its name.
 */
public final class FileReplica implements ReplicaClient {
    private static final List<String> DIRS = List.of("snapshots", "L0", "L1", "L2");
    private final Path root;

    private volatile boolean linkable = true;

    public FileReplica(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    @Override
    public String url() {
        return "file://" + root;
    }

    @Override
    public List<FileInfo> listFiles() throws IOException {
        List<FileInfo> out = new ArrayList<>();
        for (String dir : DIRS) {
            Path d = root.resolve(dir);
            if (!Files.isDirectory(d)) continue;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
                for (Path p : ds) {
                    String rel = dir + "/" + p.getFileName();
                    // temp files start with a dot and never parse; a vanished file is skipped
                    FileInfo.parse(rel, -1).ifPresent(f -> {
                        try {
                            out.add(f.withSize(Files.size(p)));
                        } catch (IOException e) {
                            // deleted by retention between listing and stat: not part of the replica any more
                        }
                    });
                }
            } catch (NoSuchFileException e) {
                // directory removed concurrently: it holds nothing
            }
        }
        return out;
    }

    @Override
    public InputStream open(FileInfo file) throws IOException {
        Path p = resolve(file.name());
        if (!Files.exists(p)) throw new NoSuchFileException(url() + "/" + file.name());
        return Files.newInputStream(p);
    }

    /** Seeks instead of reading and discarding {@code offset} bytes; at or past the end the stream is empty. */
    @Override
    public InputStream open(FileInfo file, long offset) throws IOException {
        if (offset < 0) throw new IllegalArgumentException("negative offset " + offset);
        Path p = resolve(file.name());
        if (!Files.exists(p)) throw new NoSuchFileException(url() + "/" + file.name());
        SeekableByteChannel ch = Files.newByteChannel(p, StandardOpenOption.READ);
        try {
            ch.position(offset);
            return Channels.newInputStream(ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public void upload(FileInfo file, Path local) throws IOException {
        Path target = resolve(file.name());
        Files.createDirectories(target.getParent());
        // Uploaded files are never changed in place, so on the spool's filesystem a hard link is a copy
        // that costs no I/O: under a fast writer, copying every segment was a fifth of walship's CPU.
        // A second local replica of the same file gets a real copy (see Fsync.linkAtomically).
        if (linkable) {
            Fsync.Link l = Fsync.linkAtomically(local, target);
            if (l == Fsync.Link.LINKED) return;
            if (l == Fsync.Link.UNSUPPORTED) linkable = false; // another filesystem: every later file would fail too
        }
        try (InputStream in = Files.newInputStream(local)) {
            Fsync.copyAtomically(in, target);
        }
    }

    @Override
    public void delete(Collection<FileInfo> files) throws IOException {
        java.util.Set<Path> dirs = new java.util.HashSet<>();
        for (FileInfo f : files) {
            Path p = resolve(f.name());
            // only directories where something was removed need an fsync; a missing file (even in a
            // directory that does not exist yet) is not an error
            if (Files.deleteIfExists(p)) dirs.add(p.getParent());
        }
        for (Path d : dirs) Fsync.fsyncDir(d);
    }

    @Override
    public Optional<byte[]> readObject(String name) throws IOException {
        Path p = resolve(name);
        if (!Files.exists(p)) return Optional.empty();
        try {
            return Optional.of(Files.readAllBytes(p));
        } catch (IOException e) {
            throw new IOException("read " + name + " from replica " + url() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void writeObject(String name, byte[] data) throws IOException {
        Path target = resolve(name);
        Files.createDirectories(target.getParent());
        Fsync.writeAtomically(target, data);
    }

    @Override
    public Optional<Versioned> readVersioned(String name) throws IOException {
        Optional<byte[]> data = readObject(name);
        return data.map(d -> new Versioned(d, version(d)));
    }

    /**
     * Conditional write for a directory: an exclusive lock on {@code .walship-lock} (fcntl, so it
     * also excludes other processes) makes read-compare-write atomic; the version is a content hash.
     */
    @Override
    public String writeIf(String name, byte[] data, String expectedVersion) throws IOException {
        Path target = resolve(name);
        Files.createDirectories(target.getParent());
        synchronized (FileReplica.class) {
            try (FileChannel lock = FileChannel.open(root.resolve(".walship-lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
                 FileLock held = lock.lock()) {
                Optional<Versioned> now = readVersioned(name);
                boolean ok = expectedVersion == null ? now.isEmpty()
                        : now.isPresent() && now.get().version().equals(expectedVersion);
                if (!ok) {
                    throw new PreconditionFailedException("replica " + url() + ": " + name
                            + (expectedVersion == null ? " already exists" : " was changed by someone else"));
                }
                Fsync.writeAtomically(target, data);
                return version(data);
            }
        }
    }

    private static String version(byte[] data) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Resolves a replica-relative name, refusing anything that would escape the root. */
    private Path resolve(String name) throws IOException {
        // NUL is checked first: the path API would throw an unchecked InvalidPathException for it
        if (name == null || name.isEmpty() || name.indexOf('\0') >= 0) {
            throw new IOException("replica " + url() + ": object name "
                    + (name == null ? "null" : "\"" + name.replace('\0', '?') + "\"") + " is not a valid object name");
        }
        Path p;
        try {
            p = root.resolve(name).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw new IOException("replica " + url() + ": object name \"" + name + "\" is not a valid object name", e);
        }
        if (!p.startsWith(root) || p.equals(root)) {
            throw new IOException("replica " + url() + ": object name \"" + name + "\" escapes the replica root");
        }
        return p;
    }

    @Override
    public void close() {
        // nothing to release: every operation opens and closes its own files
    }
}
