package dev.walship.restore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.sqlite.SQLiteConfig;

/** Runs SQLite's own consistency check on a restored file before it is handed to the user. */
final class IntegrityChecker {
    private IntegrityChecker() {}

    /** Returns null when SQLite answers exactly one row "ok", otherwise the first problems it reports. */
    static String check(Path db, Restorer.IntegrityCheck mode) throws java.io.IOException {
        if (mode == Restorer.IntegrityCheck.NONE) return null;
        String pragma = mode == Restorer.IntegrityCheck.FULL ? "integrity_check" : "quick_check";
        var rows = new ArrayList<String>();
        SQLiteConfig config = new SQLiteConfig();
        // read-only: the checksum was proven on these bytes, SQLite must not change them
        config.setReadOnly(true);
        try (Connection c = config.createConnection("jdbc:sqlite:" + db.toAbsolutePath());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA " + pragma)) {
            while (rs.next() && rows.size() < 5) rows.add(rs.getString(1));
        } catch (SQLException e) {
            rows.add("SQLite could not check it: " + e.getMessage());
        } finally {
            deleteSidecars(db);
        }
        if (rows.equals(List.of("ok"))) return null;
        String said = String.join("; ", rows).replace('\n', ' ');
        // one damaged b-tree page can make SQLite list hundreds of orphans: the first problems say enough
        return pragma + " said: " + (said.length() > 300 ? said.substring(0, 300) + "..." : said);
    }

    /** Deletes the -wal, -shm and -journal files SQLite may leave (or that a stale copy left) next to {@code db}. */
    static void deleteSidecars(Path db) throws java.io.IOException {
        for (String suffix : List.of("-wal", "-shm", "-journal")) {
            Path p = db.resolveSibling(db.getFileName() + suffix);
            try {
                Files.deleteIfExists(p);
            } catch (java.io.IOException e) {
                throw new java.io.IOException("restore: cannot delete " + p
                        + " (" + e.getMessage() + "): SQLite would replay it into the restored database; remove it"
                        + " by hand and retry", e);
            }
        }
    }
}
