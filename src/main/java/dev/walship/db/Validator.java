package dev.walship.db;

import dev.walship.replica.ReplicaSync;
import dev.walship.restore.RestorePlan;
import dev.walship.restore.RestorePlanner;
import dev.walship.restore.RestoreResult;
import dev.walship.restore.RestoreTarget;
import dev.walship.restore.Restorer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-sidecar validation ({@code validation-interval}): the live database is read and hashed at walship's last txid,
 * then each replica restores exactly that txid into a temporary file (every checksum and SQLite's quick_check on the
 * way), and the two whole-database checksums must be equal. The temporary file is deleted afterwards.
 */
final class Validator {
    private static final Logger log = LoggerFactory.getLogger(Validator.class);
    /** How long a replica may take to receive the txid being validated (an outage is reported as such, not as a mismatch). */
    private static final long CATCH_UP_MS = 60_000;

    private Validator() {}

    /** Validates every replica of {@code runner}'s database once; results go to each {@link ReplicaSync}. */
    static void validateAll(Sidecar.DbRunner runner, Clock clock) throws InterruptedException {
        String db = runner.config().name();
        DatabaseFollower.LiveChecksum live;
        try {
            live = runner.submit(DatabaseFollower::readLive).get(5, TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            String why = e instanceof java.util.concurrent.TimeoutException ? "timed out" : e.getCause().getMessage();
            log.warn("validation skipped, could not read the live database db={} error=\"{}\"", db, why);
            return;
        }
        for (ReplicaSync rs : runner.replicas()) {
            ReplicaSync.Validation v = validate(runner, rs, live, clock);
            rs.recordValidation(v);
            if (v.ok()) {
                log.debug("validation ok db={} replica={} txid={}", db, rs.client().url(), v.txid());
            } else {
                log.error("validation failed db={} replica={} txid={} error=\"{}\"", db, rs.client().url(), v.txid(), v.detail());
            }
        }
    }

    private static ReplicaSync.Validation validate(Sidecar.DbRunner runner, ReplicaSync rs, DatabaseFollower.LiveChecksum live,
                                                   Clock clock) throws InterruptedException {
        long deadline = System.currentTimeMillis() + CATCH_UP_MS;
        while (rs.uploadedTxid.get() < live.txid()) {
            if (System.currentTimeMillis() > deadline || rs.leaseLost()) {
                return new ReplicaSync.Validation(live.txid(), false, "the replica did not receive txid " + live.txid()
                        + " within " + CATCH_UP_MS / 1000 + "s (" + (rs.lastError() == null ? "slow uploads" : rs.lastError())
                        + "); nothing compared", clock.millis());
            }
            Thread.sleep(200);
        }
        Path tmp = runner.follower().spool().newTemp(".validate.db");
        try {
            RestorePlan plan = RestorePlanner.plan(rs.client().url(), rs.index().all(), new RestoreTarget.AtTxid(live.txid()),
                    clock.millis());
            RestoreResult r = Restorer.restore(rs.client(), plan, new Restorer.Options(tmp, false,
                    Restorer.IntegrityCheck.QUICK, null));
            if (r.dbChecksum() != live.checksum()) {
                return new ReplicaSync.Validation(live.txid(), false, String.format("the replica's state at txid %d has"
                        + " checksum %016x, the live database %016x (restore from another replica; please report this)",
                        live.txid(), r.dbChecksum(), live.checksum()), clock.millis());
            }
            return new ReplicaSync.Validation(live.txid(), true, null, clock.millis());
        } catch (IOException e) {
            return new ReplicaSync.Validation(live.txid(), false, "restore of txid " + live.txid() + " failed: "
                    + e.getMessage(), clock.millis());
        } finally {
            IOException left = DbFiles.deleteScratch(tmp);
            if (left != null) {
                log.warn("could not delete validation file path={} error=\"{}\"; it is removed at the next start", tmp,
                        left.getMessage());
            }
        }
    }
}
