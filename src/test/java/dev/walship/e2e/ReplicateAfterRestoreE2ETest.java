package dev.walship.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Litestream #781: replicating a database that was itself produced by a restore must work. Replicate,
 * restore to a new path, replicate the restored database to a new replica while the app writes to it.
 */
@Timeout(180)
class ReplicateAfterRestoreE2ETest {
    @TempDir
    Path dir;

    @Test
    void restoredDatabaseReplicatesToANewReplica() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("backup");
        try (Writer w = new Writer(db); WalshipProcess ws = WalshipProcess.start(db, replica)) {
            w.run("--count", "1");
            ws.awaitReplicating(30_000);
            w.run("--count", "150", "--sleep-ms", "3", "--schema-every", "70");
            E2E.sleep(500);
            assertEquals(0, ws.term(), () -> E2E.tail(ws.log, 20));
        }

        Path restoredDir = dir.resolve("second");
        Path restored = java.nio.file.Files.createDirectories(restoredDir).resolve("restored.db");
        RestoreCheck first = new RestoreCheck(replica, dir.resolve("restores1"));
        RestoreCheck.Result r = RestoreCheck.cli("restore", "--replica", replica.toString(), "-o", restored.toString(), "-q");
        assertEquals(0, r.code(), r::toString);
        String restoredState = E2E.check(restored).checksum();
        assertEquals(new Writer(db).last().checksum(), restoredState, "first restore");

        Path replica2 = restoredDir.resolve("backup2");
        try (Writer w2 = new Writer(restored);
                WalshipProcess ws2 = WalshipProcess.start(restored, replica2).awaitReplicating(30_000)) {
            w2.run("--duration", "4", "--sleep-ms", "5", "--checkpoint-every", "50", "--vacuum-every", "120");
            E2E.sleep(700);
            assertEquals(0, ws2.term(), () -> E2E.tail(ws2.log, 20));

            RestoreCheck second = new RestoreCheck(replica2, restoredDir.resolve("restores2")).describedBy(w2);
            second.assertLatest(w2.last().checksum());
            assertEquals(w2.last().checksum(), E2E.check(restored).checksum(), "writer log vs restored db");

            // the new replica starts exactly at the restored state and covers the new writes
            RestoreCheck.Window win = second.window();
            List<Writer.Commit> commits = new ArrayList<>();
            commits.add(new Writer.Commit(-1, 0, 0, restoredState));
            commits.addAll(w2.commits());
            List<Integer> seqs = second.assertTxids(commits, List.of(win.earliestTxid(), win.latestTxid()), win.snapshotTxids());
            assertEquals(-1, seqs.get(0), "the new replica's first state is not the restored database");
            List<Long> instants = new ArrayList<>();
            for (int i = 0; i < 8; i++) instants.add(win.earliestTime() + (win.latestTime() - win.earliestTime()) * i / 7);
            second.assertAtTimes(commits, instants, t -> true);
            assertTrue(win.latestTxid() > win.earliestTxid() + 100, "new replica window " + win);
        }
        // the old replica is untouched by the new one
        first.assertLatest(new Writer(db).last().checksum());
    }
}
