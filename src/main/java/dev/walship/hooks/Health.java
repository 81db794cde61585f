package dev.walship.hooks;

import dev.walship.config.Durations;
import dev.walship.db.Sidecar;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The health rules behind /healthz, one reason per line (docs/ADMIN.md). Waiting for a database file to appear, and
 * opening replicas (including waiting for another sidecar's lease with wait-for-lease), count as healthy: the app
 * may not have created its database yet, and a standby is doing what it was asked to.
 */
final class Health {
    private Health() {
    }

    /** Why walship is unhealthy; empty when it is healthy. */
    static List<String> reasons(boolean stopping, List<DbState> dbs) {
        List<String> out = new ArrayList<>();
        if (stopping) out.add("walship is shutting down (final sync and upload)");
        for (DbState db : dbs) {
            String n = "db " + db.name() + ": ";
            for (DbState.ReplicaState r : db.replicas()) {
                if (r.leaseLost()) {
                    out.add(n + "lost the lease on replica " + r.url() + " to another sidecar (no more writes to it)");
                }
            }
            List<DbState.ReplicaState> failing = db.replicas().stream().filter(DbState.ReplicaState::failing).toList();
            if (db.phase() == Sidecar.Phase.REPLICATING && !db.replicas().isEmpty()
                    && failing.size() == db.replicas().size()) {
                DbState.ReplicaState first = failing.get(0);
                out.add(n + (failing.size() == 1 ? "its replica is failing: " : "every replica is failing, e.g. ")
                        + first.url() + ": " + first.lastError());
            }
            for (DbState.ReplicaState r : db.replicas()) {
                if (r.validation() != null && !r.validation().ok()) {
                    out.add(n + "validation of replica " + r.url() + " failed at txid " + r.validation().txid() + ": "
                            + r.validation().detail());
                }
            }
            if (db.spoolFull()) {
                out.add(n + "spool is full (spool-max-size reached); copying is paused until the replicas catch up");
            }
            if (db.lagMillis() > db.maxLag().toMillis()) {
                out.add(n + "replication lag " + seconds(db.lagMillis()) + " exceeds max-lag "
                        + Durations.format(db.maxLag()));
            }
        }
        return out;
    }

    static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
    }
}
