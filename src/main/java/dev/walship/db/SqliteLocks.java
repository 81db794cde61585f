package dev.walship.db;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * walship's own SQLite connections to the followed database, used only for locking and
 * checkpointing (walship reads pages from the WAL and database files itself).
 *
 * <ul>
 *   <li>Two reader connections take turns holding a read transaction, so there is always one open:
 *       while a reader whose snapshot includes WAL frames is open, no other connection can restart
 *       the WAL, so frames walship has not copied yet cannot be overwritten.</li>
 *   <li>The writer connection takes SQLite's write lock (BEGIN IMMEDIATE) for the few milliseconds
 *       of walship's own checkpoint, so no frame can be appended while it decides the WAL may restart.</li>
 *   <li>The checkpointer connection runs PASSIVE checkpoints, which never wait on anyone.</li>
 * </ul>
 * None of them ever writes to the database. All have wal_autocheckpoint=0.
 */
final class SqliteLocks implements Closeable {
    private final Path db;
    private final Connection[] readers = new Connection[2];
    private final Connection writer;
    private final Connection checkpointer;
    private int activeReader = -1;
    private long busyTimeoutMillis;
    private boolean writeLocked;

    private SqliteLocks(Path db, Connection r0, Connection r1, Connection w, Connection c) {
        this.db = db;
        readers[0] = r0;
        readers[1] = r1;
        writer = w;
        checkpointer = c;
    }

    static SqliteLocks open(Path db, Duration busyTimeout) throws IOException {
        Connection[] cs = new Connection[4];
        try {
            for (int i = 0; i < cs.length; i++) {
                cs[i] = DriverManager.getConnection("jdbc:sqlite:" + db);
                try (Statement s = cs[i].createStatement()) {
                    s.execute("PRAGMA busy_timeout=" + busyTimeout.toMillis());
                    s.execute("PRAGMA wal_autocheckpoint=0");
                }
            }
            SqliteLocks l = new SqliteLocks(db, cs[0], cs[1], cs[2], cs[3]);
            l.busyTimeoutMillis = busyTimeout.toMillis();
            return l;
        } catch (SQLException e) {
            for (Connection c : cs) closeQuietly(c);
            throw new IOException("open database " + db + ": " + e.getMessage()
                    + " (check that the file is a readable SQLite database)", e);
        }
    }

    /** Returns the journal mode after switching to WAL if needed; true in the second slot if it switched. */
    boolean ensureWal() throws IOException {
        try (Statement s = checkpointer.createStatement()) {
            String mode = query(s, "PRAGMA journal_mode");
            if ("wal".equalsIgnoreCase(mode)) return false;
            String now = query(s, "PRAGMA journal_mode=WAL");
            if (!"wal".equalsIgnoreCase(now)) {
                throw new IOException("switch " + db + " to WAL mode: SQLite answered journal_mode=" + now
                        + " (walship needs WAL mode; make sure no process holds the database open in exclusive mode)");
            }
            return true;
        } catch (SQLException e) {
            throw new IOException("switch " + db + " to WAL mode: " + e.getMessage()
                    + " (the app may hold a lock; walship retries)", e);
        }
    }

    int pageSize() throws IOException {
        try (Statement s = checkpointer.createStatement()) {
            return Integer.parseInt(query(s, "PRAGMA page_size"));
        } catch (SQLException e) {
            throw new IOException("read page size of " + db + ": " + e.getMessage(), e);
        }
    }

    /**
     * Opens a read transaction on the idle reader, then closes the previous one, so that a read
     * transaction is held at every instant.
     */
    void rollReader() throws IOException {
        int next = activeReader == 0 ? 1 : 0;
        try (Statement s = readers[next].createStatement()) {
            s.execute("BEGIN");
            // A read transaction only starts (and takes its WAL read mark) at the first read.
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_schema")) {
                rs.next();
            }
        } catch (SQLException e) {
            rollbackQuietly(readers[next]);
            throw new IOException("begin read transaction on " + db + ": " + e.getMessage(), e);
        }
        if (activeReader >= 0) endReader(activeReader);
        activeReader = next;
    }

    /** Releases every read transaction walship holds (only under the write lock, see DatabaseFollower). */
    void endReaders() {
        for (int i = 0; i < readers.length; i++) endReader(i);
        activeReader = -1;
    }

    boolean holdsReader() {
        return activeReader >= 0;
    }

    /**
     * BEGIN IMMEDIATE on the writer connection, retried for up to {@code maxWait}; false if the app
     * kept the write lock all that time. SQLite's own busy handler sleeps 1, 2, 5, 10... ms between
     * tries, which almost never lands in the microseconds between two commits of a busy writer, so
     * walship polls the lock itself every ~50 microseconds instead.
     */
    boolean tryWriteLock(Duration maxWait) throws IOException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        try (Statement s = writer.createStatement()) {
            s.execute("PRAGMA busy_timeout=0");
            try {
                while (true) {
                    try {
                        s.execute("BEGIN IMMEDIATE");
                        writeLocked = true;
                        return true;
                    } catch (SQLiteException e) {
                        if (e.getResultCode() != SQLiteErrorCode.SQLITE_BUSY && e.getResultCode() != SQLiteErrorCode.SQLITE_LOCKED) {
                            throw e;
                        }
                        rollbackQuietly(writer);
                        if (System.nanoTime() >= deadline) return false;
                        java.util.concurrent.locks.LockSupport.parkNanos(50_000);
                    }
                }
            } finally {
                s.execute("PRAGMA busy_timeout=" + busyTimeoutMillis);
            }
        } catch (SQLException e) {
            throw new IOException("take write lock on " + db + ": " + e.getMessage(), e);
        }
    }

    void releaseWriteLock() {
        if (writeLocked) {
            rollbackQuietly(writer);
            writeLocked = false;
        }
    }

    /** PRAGMA wal_checkpoint(PASSIVE): returns {busy, walFrames, checkpointedFrames}. */
    long[] checkpointPassive() throws IOException {
        try (Statement s = checkpointer.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
        } catch (SQLException e) {
            throw new IOException("checkpoint " + db + ": " + e.getMessage(), e);
        }
    }

    private void endReader(int i) {
        rollbackQuietly(readers[i]);
    }

    private static String query(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : "";
        }
    }

    private static void rollbackQuietly(Connection c) {
        try (Statement s = c.createStatement()) {
            s.execute("ROLLBACK");
        } catch (SQLException e) {
            // "no transaction is active" is the expected answer when nothing was open
        }
    }

    private static void closeQuietly(Connection c) {
        if (c == null) return;
        try {
            c.close();
        } catch (SQLException e) {
            // closing during cleanup of a failed open: the original error is what matters
        }
    }

    @Override
    public void close() {
        endReaders();
        releaseWriteLock();
        closeQuietly(readers[0]);
        closeQuietly(readers[1]);
        closeQuietly(writer);
        closeQuietly(checkpointer);
    }
}
