package dev.walship.db;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.sqlite.SQLiteConnection;

/**
 * Replaces the content of a live database with a verified image, in place, through SQLite's online backup API.
 *
 * <p>Why this is safe while the app keeps its connections: the backup copies every page in one step inside one
 * write transaction on the live database, so in WAL mode the new content is a single commit. A reader sees the
 * old state or the new one, never a mix, and connections re-read the schema on their next statement. The commit
 * lands in the WAL like any other, so walship's follower ships it as the next txid: replication simply continues
 * from the restored state.
 */
public final class LiveRestore {
    private static final int SQLITE_OK = 0;
    private static final int SQLITE_DONE = 101;
    private static final int BUSY_SLEEP_MS = 50;

    private LiveRestore() {}

    /**
     * Copies {@code image} over {@code db}. Waits up to {@code busyTimeout} for the app's write lock.
     *
     * @throws IOException naming the step; the live database is unchanged when it fails
     */
    public static void apply(Path db, Path image, Duration busyTimeout) throws IOException {
        int livePageSize = pageSize(db);
        int imagePageSize = pageSize(image);
        if (livePageSize != imagePageSize) {
            // SQLite cannot change the page size of a WAL database through the backup API.
            throw new IOException("restore in place into " + db + ": the restored image has " + imagePageSize
                    + "-byte pages, the live database " + livePageSize + "-byte pages; stop the app and use 'walship"
                    + " restore --force' instead");
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            try (Statement s = c.createStatement()) {
                // walship checkpoints on its own schedule; this connection must not checkpoint at commit.
                s.execute("PRAGMA wal_autocheckpoint=0");
            }
            int tries = (int) Math.max(1, busyTimeout.toMillis() / BUSY_SLEEP_MS);
            int rc = c.unwrap(SQLiteConnection.class).getDatabase()
                    .restore("main", image.toString(), null, BUSY_SLEEP_MS, tries, -1);
            if (rc != SQLITE_OK && rc != SQLITE_DONE) {
                throw new IOException("restore in place into " + db + ": SQLite backup API returned code " + rc
                        + (rc == 5 || rc == 6 ? " (the app held the write lock for longer than " + busyTimeout.toMillis()
                        + " ms; retry, or raise busy-timeout)" : ""));
            }
        } catch (SQLException e) {
            throw new IOException("restore in place into " + db + ": " + e.getMessage()
                    + " (the live database is unchanged; retry, or stop the app and use 'walship restore --force')", e);
        }
    }

    private static int pageSize(Path db) throws IOException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + db + "?mode=ro");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA page_size")) {
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IOException("read page size of " + db + ": " + e.getMessage(), e);
        }
    }
}
