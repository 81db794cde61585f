package dev.walship.util;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;

/** Durable file publication: write a temp file, fsync it, rename it into place, fsync the directory. */
public final class Fsync {
    private Fsync() {}

    /** Writes bytes to {@code target} so that after a crash it holds either the old or the new content. */
    public static void writeAtomically(Path target, byte[] data) throws IOException {
        Path tmp = tempSibling(target);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(data);
                while (b.hasRemaining()) ch.write(b);
                ch.force(true);
            }
            publish(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Copies a stream to {@code target} atomically and durably. */
    public static long copyAtomically(InputStream in, Path target) throws IOException {
        Path tmp = tempSibling(target);
        try {
            long n;
            try (var out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                n = in.transferTo(out);
            }
            fsyncFile(tmp);
            publish(tmp, target);
            return n;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** What {@link #linkAtomically} did. */
    public enum Link {
        /** {@code target} is now another name of {@code source}. */
        LINKED,
        /** Nothing changed: {@code source} already has another name besides itself (see below). */
        SHARED,
        /** Nothing changed: this filesystem cannot link the two paths (other filesystems, no hard links). */
        UNSUPPORTED
    }

    /**
     * Publishes {@code source} under {@code target} as a hard link: no bytes are copied. Only for sources that
     * are never modified in place (spool files and finished temp files are written once). The source is
     * fsynced first, so the link is as durable as a copy would be. A source that already has a second name
     * is left alone ({@link Link#SHARED}): two replicas must never share one inode, or one flipped bit
     * would damage both and a restore could not fall back from one to the other.
     */
    public static Link linkAtomically(Path source, Path target) throws IOException {
        Path tmp = tempSibling(target);
        try {
            Files.createLink(tmp, source);
        } catch (UnsupportedOperationException | FileSystemException e) {
            return Link.UNSUPPORTED;
        }
        try {
            // Counted after linking: of two replicas linking the same file at once, at least one sees 3 names.
            if (((Number) Files.getAttribute(tmp, "unix:nlink")).intValue() > 2) return Link.SHARED;
            fsyncFile(tmp);
            publish(tmp, target);
            return Link.LINKED;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Renames a fully written and fsynced temp file over the target and makes the rename durable. */
    public static void publish(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("rename " + tmp + " to " + target + ": the filesystem cannot rename atomically"
                    + " (put the spool and local replicas on a POSIX filesystem)", e);
        }
        fsyncDir(target.toAbsolutePath().getParent());
    }

    public static void fsyncFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** Makes directory entries (creates, renames, deletes) durable; a no-op where directories can't be opened. */
    public static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some filesystems refuse to open directories; renames there are as durable as they get.
            if (!Files.isDirectory(dir)) throw e;
        }
    }

    /**
     * Creates a directory, and any missing parents, readable only by the owner where POSIX permissions
     * exist. Directories that already exist are left as they are.
     */
    public static Path privateDirectories(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.isDirectory(abs)) return dir;
        java.util.ArrayDeque<Path> missing = new java.util.ArrayDeque<>();
        for (Path p = abs; p != null && !Files.isDirectory(p); p = p.getParent()) missing.push(p);
        boolean posix = abs.getFileSystem().supportedFileAttributeViews().contains("posix");
        for (Path p : missing) {
            try {
                // created private from the start, so there is no moment where others could open it
                if (posix) {
                    Files.createDirectory(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectory(p);
                }
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (!Files.isDirectory(p)) throw e;
                continue; // created concurrently by someone else: not ours to tighten
            }
            // explicit as well, because the mode given at creation is reduced by the umask
            if (posix) Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        }
        return dir;
    }

    public static Path tempSibling(Path target) {
        Path name = target.getFileName();
        return target.resolveSibling("." + name + ".tmp-" + UUID.randomUUID().toString().substring(0, 8));
    }
}
