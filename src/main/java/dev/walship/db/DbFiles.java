package dev.walship.db;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Facts about a database file that walship can learn without opening it through SQLite. */
public final class DbFiles {
    private DbFiles() {}

    static final byte[] MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

    /**
     * Deletes a scratch database and the -wal, -shm and -journal files SQLite may have left next to it. Failures
     * only cost disk until the spool's tmp/ is emptied at the next start, so they are returned, not thrown.
     *
     * @return the first failure, or null
     */
    public static IOException deleteScratch(Path db) {
        IOException first = null;
        for (String suffix : new String[] {"", "-wal", "-shm", "-journal"}) {
            try {
                java.nio.file.Files.deleteIfExists(db.resolveSibling(db.getFileName() + suffix));
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        return first;
    }

    public static Path wal(Path db) {
        return db.resolveSibling(db.getFileName() + "-wal");
    }

    public static Path shm(Path db) {
        return db.resolveSibling(db.getFileName() + "-shm");
    }

    /** A stable identity of the file (inode where available): a change means the file was replaced. */
    public static String identity(Path db) throws IOException {
        try {
            return String.valueOf(Files.getAttribute(db, "unix:ino"));
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            Object key = Files.readAttributes(db, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            return String.valueOf(key);
        }
    }

    /** What the first bytes of a database file say. */
    public enum HeaderState { MISSING, TOO_SHORT, SQLITE, NOT_SQLITE }

    /**
     * Inspects the header with a short-lived read. Only call this before walship opens its own SQLite
     * connections to the file: closing any descriptor of a file drops this process's POSIX locks on it.
     */
    public static HeaderState inspect(Path db) throws IOException {
        try (FileChannel ch = FileChannel.open(db)) {
            if (ch.size() < 100) return HeaderState.TOO_SHORT;
            ByteBuffer b = ByteBuffer.allocate(MAGIC.length);
            while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                // keep reading: a short read is possible on some filesystems
            }
            return java.util.Arrays.equals(b.array(), MAGIC) ? HeaderState.SQLITE : HeaderState.NOT_SQLITE;
        } catch (NoSuchFileException e) {
            return HeaderState.MISSING;
        }
    }
}
