package dev.walship.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A writer commits for ~10 s while walship replicates; every instant and every txid restores correctly. */
@Timeout(180)
class ReplicateWhileWritingE2ETest {
    @TempDir
    Path dir;

    @Test
    void restoresAnyPointOfALiveRun() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("backup");
        try (Writer w = new Writer(db); WalshipProcess ws = WalshipProcess.start(db, replica)) {
            w.run("--count", "1");
            ws.awaitReplicating(30_000);
            w.run("--duration", "10", "--sleep-ms", "5", "--schema-every", "400", "--blob", "600");
            E2E.sleep(1_000);
            assertEquals(0, ws.term(), () -> "SIGTERM must end walship with exit 0:\n" + E2E.tail(ws.log, 30));

            List<Writer.Commit> commits = w.commits();
            assertTrue(commits.size() > 300, "writer made only " + commits.size() + " commits");
            RestoreCheck rc = new RestoreCheck(replica, dir.resolve("restores")).describedBy(w);
            rc.assertLatest(w.last().checksum());
            assertEquals(w.last().checksum(), E2E.check(db).checksum(), "writer log and source disagree");

            RestoreCheck.Window win = rc.window();
            assertTrue(win.earliestTxid() >= 1 && win.latestTxid() >= win.earliestTxid() + commits.size() - 2,
                    () -> "window " + win + " does not cover " + commits.size() + " commits");
            assertTrue(win.latestTime() >= w.last().before(), "window ends before the last commit: " + win);
            assertTrue(win.earliestTime() <= commits.get(2).after() + RestoreCheck.SEEN_SLACK_MS,
                    "window starts after the writer began: " + win);

            // 16 instants spread over the run, plus 4 right at commit boundaries
            Random rnd = new Random(11);
            List<Long> instants = new ArrayList<>();
            long from = win.earliestTime();
            long to = win.latestTime();
            for (int i = 0; i < 16; i++) instants.add(from + (to - from) * i / 15);
            for (int i = 0; i < 4; i++) {
                Writer.Commit k = commits.get(2 + rnd.nextInt(commits.size() - 2));
                instants.add(Math.max(from, k.after() + rnd.nextInt(3)));
            }
            rc.assertAtTimes(commits, instants, t -> true);

            // 60 consecutive txids somewhere in the middle: one txid per commit, in commit order
            long start = win.earliestTxid() + rnd.nextInt((int) (win.latestTxid() - win.earliestTxid() - 60));
            List<Integer> seqs = rc.assertTxids(commits, LongStream.range(start, start + 60).boxed().toList(),
                    win.snapshotTxids());
            assertEquals(59, seqs.get(59) - seqs.get(0), "60 consecutive txids must be 60 consecutive commits: " + seqs);
            // and the ends of the window
            rc.assertTxids(commits, List.of(win.earliestTxid(), win.latestTxid()), win.snapshotTxids());
        }
    }
}
