package dev.walship.restore;

import dev.walship.config.DbConfig;
import dev.walship.config.ReplicaSpec;
import dev.walship.replica.ReplicaClient;
import dev.walship.replica.ReplicaFactory;
import dev.walship.replica.crypto.EncryptingReplica;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "new VM" step of {@code walship replicate --restore-if-missing}: a database file that does not exist is
 * restored from whichever of its replicas holds the newest txid, before replication starts. A database that
 * exists is never touched, and one whose replicas are all empty is left for the app to create.
 */
public final class RestoreIfMissing {
    private static final Logger log = LoggerFactory.getLogger(RestoreIfMissing.class);

    private RestoreIfMissing() {}

    /**
     * @param key the database's encryption key, or null
     * @return what was restored, or empty when the file exists or no replica has anything
     * @throws IOException naming the replica when one cannot be read or the restore fails; nothing is written then
     */
    public static Optional<RestoreResult> run(DbConfig db, byte[] key) throws IOException {
        if (Files.exists(db.path())) {
            log.debug("database exists, nothing to restore db={} path={}", db.name(), db.path());
            return Optional.empty();
        }
        List<ReplicaClient> opened = new ArrayList<>();
        try {
            ReplicaClient best = null;
            List<dev.walship.segment.FileInfo> bestFiles = List.of();
            long bestTxid = 0;
            for (ReplicaSpec spec : db.replicas()) {
                ReplicaClient plain = ReplicaFactory.open(spec);
                opened.add(plain);
                ReplicaClient c = EncryptingReplica.forRestore(plain, key);
                var files = c.listFiles();
                long max = RestoreWindow.of(files).map(RestoreWindow::latestTxid).orElse(0L);
                if (max > bestTxid) {
                    best = c;
                    bestFiles = files;
                    bestTxid = max;
                }
            }
            if (best == null) {
                log.info("database does not exist and no replica holds a restorable state; waiting for the app to"
                        + " create it db={} path={}", db.name(), db.path());
                return Optional.empty();
            }
            if (!Files.isDirectory(db.path().getParent())) {
                throw new IOException("restore db " + db.name() + ": directory " + db.path().getParent()
                        + " does not exist (mount the app's data volume there)");
            }
            RestorePlan plan = RestorePlanner.plan(best.url(), bestFiles, new RestoreTarget.Latest(), System.currentTimeMillis());
            log.info("database missing, restoring it db={} path={} replica={} txid={}", db.name(), db.path(), best.url(), bestTxid);
            String name = db.name();
            RestoreResult r = Restorer.restore(best, plan, new Restorer.Options(db.path(), false,
                    Restorer.IntegrityCheck.QUICK, line -> log.info("restore db={} {}", name, line)));
            log.info("restored db={} txid={} time={} pages={}", db.name(), r.txid(), Instant.ofEpochMilli(r.time()), r.dbSize());
            return Optional.of(r);
        } finally {
            for (ReplicaClient c : opened) {
                try {
                    c.close();
                } catch (IOException e) {
                    log.debug("closing replica failed replica={} error=\"{}\"", c.url(), e.getMessage());
                }
            }
        }
    }
}
