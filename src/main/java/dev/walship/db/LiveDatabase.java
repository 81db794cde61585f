package dev.walship.db;

import dev.walship.segment.DbChecksum;
import dev.walship.wal.EmptyWalException;
import dev.walship.wal.WalException;
import dev.walship.wal.WalHeader;
import dev.walship.wal.WalPosition;
import dev.walship.wal.WalReader;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The whole-database checksum of a live database, read consistently while the app keeps writing and
 * without ever taking SQLite's write lock. A read transaction held on a connection of our own pins
 * the state: while it is open no one can restart the WAL past its read mark, and a checkpoint only
 * copies pages that also sit in WAL frames at or before that mark (see docs/REPLICATION.md "Locks").
 * The pages are the database file overlaid with the newest copy of each page in the WAL up to its
 * last commit, exactly what {@link SnapshotTaker} writes. (Inside the sidecar, {@link DatabaseFollower#readLive}
 * does the same under walship's own read transaction, at a known txid.) A WAL restarted while we read (possible only
 * when our read mark was slot 0, i.e. everything was checkpointed) changes its salts, which the read
 * checks at the end, and then starts over.
 */
public final class LiveDatabase {
    private static final int ATTEMPTS = 10;

    private LiveDatabase() {}

    /**
     * A consistent state of the live database.
     *
     * @param position the WAL position after the last commit included, or null when the WAL was empty
     * @param dbInode the database file's identity (see {@link DbFiles#identity})
     * @param readAt wall-clock time at which the read transaction began, epoch ms
     */
    public record State(int pageSize, int dbSize, long checksum, WalPosition position, String dbInode, long readAt) {}

    /**
     * Reads the live database at {@code db}; it must exist and be a SQLite database. Only for a process that
     * holds no other SQLite connection to {@code db} (the verify command): closing a descriptor of a database
     * file drops every POSIX lock the process holds on it, SQLite's included, so the database channel is
     * opened before our connection and closed after it.
     */
    public static State read(Path db) throws IOException {
        if (DbFiles.inspect(db) != DbFiles.HeaderState.SQLITE) {
            throw new IOException("live database " + db + " is missing or not a SQLite database; pass the app's"
                    + " database file with --db");
        }
        try (FileChannel dbFile = FileChannel.open(db)) {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                 Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout=5000");
                int pageSize = Integer.parseInt(query(s, "PRAGMA page_size"));
                boolean wal = "wal".equalsIgnoreCase(query(s, "PRAGMA journal_mode"));
                long readAt = System.currentTimeMillis();
                s.execute("BEGIN");
                try {
                    query(s, "SELECT count(*) FROM sqlite_schema"); // the read transaction starts at the first read
                    return readPinned(db, dbFile, pageSize, wal, readAt);
                } finally {
                    s.execute("ROLLBACK");
                }
            } catch (SQLException e) {
                throw new IOException("read live database " + db + ": " + e.getMessage()
                        + " (check that walship can open it: same user as the app, file not locked exclusively)", e);
            }
        }
    }

    /** Reads the pages while the caller's read transaction pins them; the -wal file holds no SQLite lock. */
    private static State readPinned(Path db, FileChannel dbFile, int pageSize, boolean wal, long readAt)
            throws IOException {
        String inode = DbFiles.identity(db);
        if (!wal || !Files.exists(DbFiles.wal(db))) {
            // rollback journal mode: our SHARED lock keeps every writer out of the database file
            DbChecksum sum = SnapshotTaker.hash(dbFile, null, null, null, pageSize);
            return new State(pageSize, sum.dbSize(), sum.value(), null, inode, readAt);
        }
        String walSource = DbFiles.wal(db).toString();
        try (FileChannel walFile = FileChannel.open(DbFiles.wal(db))) {
            for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
                State s = attempt(dbFile, walFile, walSource, pageSize, inode, readAt);
                if (s != null) return s;
            }
        }
        throw new IOException("read live database " + db + ": the WAL was restarted " + ATTEMPTS
                + " times while reading; retry when the app is less busy");
    }

    /** One try; null when the WAL changed generation while reading. */
    private static State attempt(FileChannel dbFile, FileChannel walFile, String walSource, int pageSize, String inode,
                                 long readAt) throws IOException {
        WalPosition end;
        try {
            WalHeader h = WalReader.readHeader(walFile, walSource);
            end = h.pageSize() == pageSize ? WalReader.scan(walFile, WalPosition.start(h), walSource).end() : null;
        } catch (EmptyWalException e) {
            end = null;
        } catch (WalException e) {
            return null; // a header being written right now: look again
        }
        if (end != null && end.frame() == 0) end = null;
        DbChecksum sum;
        try {
            // with no WAL frames everything is in the database file, and our read mark 0 keeps checkpoints out of it
            sum = SnapshotTaker.hash(dbFile, walFile, walSource, end, pageSize);
            if (end != null && !end.sameGeneration(WalReader.readHeader(walFile, walSource))) return null;
        } catch (SnapshotTaker.WalGenerationChanged | WalException e) {
            return null; // restarted or truncated while we read
        }
        return new State(pageSize, sum.dbSize(), sum.value(), end, inode, readAt);
    }

    /**
     * The WAL position and txid a running (or stopped) sidecar recorded in its spool, read without
     * touching the spool; empty when there is no readable state. Never constructs a {@link Spool}, which
     * would clear the running sidecar's temp files.
     */
    public static java.util.Optional<FollowerState> spoolState(Path spoolDir) {
        Path f = spoolDir.resolve("state.json");
        if (!Files.isRegularFile(f)) return java.util.Optional.empty();
        try {
            return java.util.Optional.of(new com.fasterxml.jackson.databind.ObjectMapper()
                    .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                    .readValue(f.toFile(), FollowerState.class));
        } catch (IOException e) {
            return java.util.Optional.empty(); // being replaced right now, or damaged: no hint, content decides
        }
    }

    /** The spool directory walship uses for {@code db} when none is configured. */
    public static Path defaultSpoolDir(Path db) {
        Path abs = db.toAbsolutePath();
        return abs.resolveSibling("." + abs.getFileName() + "-walship");
    }

    private static String query(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : "";
        }
    }
}
