package dev.walship.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 walship at random moments while the app writes, restart it, and the replica stays exact and gap-free. */
@Timeout(240)
class KillNineLoopE2ETest {
    @TempDir
    Path dir;

    @Test
    void survivesTwentyKillNines() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("backup");
        Path stop = dir.resolve("stop-writer");
        Random rnd = new Random(20261204);
        try (Writer w = new Writer(db)) {
            w.run("--count", "1");
            w.start("--stop-file", stop.toString(), "--sleep-ms", "4", "--blob", "500");
            // even cycles: kill 0.2-1.5 s after the launch (often during startup or the first snapshot);
            // odd cycles: kill 0.2-1.5 s after walship reported that it follows the database
            int replicatingRuns = 0;
            for (int cycle = 0; cycle < 22; cycle++) {
                WalshipProcess ws = WalshipProcess.start(db, replica);
                if (cycle % 2 == 1) ws.awaitReplicating(60_000);
                E2E.sleep(200 + rnd.nextInt(1300));
                assertTrue(ws.isAlive(), () -> "walship died on its own:\n" + E2E.tail(ws.log, 30));
                ws.kill9();
                replicatingRuns = (int) ws.output().lines().filter(l -> l.contains("replicating db=")).count();
                assertTrue(w.isAlive(), "writer died");
            }
            int startedCycles = replicatingRuns;
            Files.createFile(stop);
            w.await(30_000);

            long finalStart = System.currentTimeMillis();
            WalshipProcess ws = WalshipProcess.start(db, replica).awaitReplicating(60_000);
            E2E.sleep(1_500);
            assertEquals(0, ws.term(), () -> "SIGTERM exit code:\n" + E2E.tail(ws.log, 30));
            String log = ws.output();
            assertTrue(startedCycles >= 11, "only " + startedCycles + " of 22 runs got to replicate before the kill;"
                    + " the loop tests too little:\n" + E2E.tail(ws.log, 20));
            assertTrue(!log.contains("please report this"), () -> "walship reported an internal problem:\n"
                    + log.lines().filter(l -> l.contains("please report")).toList());

            List<Writer.Commit> commits = w.commits();
            RestoreCheck rc = new RestoreCheck(replica, dir.resolve("restores")).describedBy(w);
            rc.assertLatest(w.last().checksum());

            RestoreCheck.Window win = rc.window();
            List<Long> instants = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                instants.add(win.earliestTime() + (long) (rnd.nextDouble() * (win.latestTime() - win.earliestTime())));
            }
            // walship was down at random moments before finalStart: only the upper bound holds there
            rc.assertAtTimes(commits, instants, t -> t > finalStart + 5_000);

            TreeSet<Long> sample = new TreeSet<>(List.of(win.earliestTxid(), win.latestTxid()));
            while (sample.size() < Math.min(50, win.latestTxid() - win.earliestTxid() + 1)) {
                sample.add(win.earliestTxid() + (long) (rnd.nextDouble() * (win.latestTxid() - win.earliestTxid() + 1)));
            }
            rc.assertTxids(commits, new ArrayList<>(sample), win.snapshotTxids());
        }
    }
}
