package dev.walship.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The app checkpoints (TRUNCATE, RESTART) on its own, while walship runs and while it is down. */
@Timeout(180)
class CheckpointBehindItsBackE2ETest {
    @TempDir
    Path dir;

    private Path db;
    private Path replica;
    private final List<long[]> downtimes = new ArrayList<>();

    private final List<WalshipProcess> processes = new ArrayList<>();

    private WalshipProcess started(WalshipProcess p) {
        processes.add(p);
        return p;
    }

    @AfterEach
    void killLeftovers() {
        processes.forEach(WalshipProcess::close);
    }

    private Writer setUp() throws Exception {
        db = dir.resolve("app.db");
        replica = dir.resolve("backup");
        Writer w = new Writer(db);
        w.run("--count", "1");
        return w;
    }

    @Test
    void appCheckpointsWhileWalshipRuns() throws Exception {
        try (Writer w = setUp(); WalshipProcess ws = started(WalshipProcess.start(db, replica)).awaitReplicating(30_000)) {
            w.run("--duration", "6", "--sleep-ms", "5", "--checkpoint-every", "7", "--checkpoint-mode", "TRUNCATE,RESTART,PASSIVE,FULL");
            E2E.sleep(700);
            assertEquals(0, ws.term(), () -> E2E.tail(ws.log, 20));
            verify(w, 15);
        }
    }

    @Test
    void appTruncatesWhileWalshipIsStopped() throws Exception {
        stoppedWhileAppCheckpoints(false);
    }

    @Test
    void appTruncatesWhileWalshipIsKilled() throws Exception {
        stoppedWhileAppCheckpoints(true);
    }

    private void stoppedWhileAppCheckpoints(boolean kill9) throws Exception {
        try (Writer w = setUp()) {
            WalshipProcess ws = started(WalshipProcess.start(db, replica)).awaitReplicating(30_000);
            for (int round = 0; round < 3; round++) {
                w.run("--count", "60", "--sleep-ms", "5");
                long down = System.currentTimeMillis();
                if (kill9) {
                    // app writes keep going while walship dies
                    w.start("--count", "40", "--sleep-ms", "5");
                    E2E.sleep(80);
                    ws.kill9();
                    w.await(60_000);
                } else {
                    WalshipProcess cur = ws;
                    assertEquals(0, ws.term(), () -> E2E.tail(cur.log, 20));
                }
                w.run("--count", "50", "--sleep-ms", "2", "--final-checkpoint", "TRUNCATE");
                w.run("--count", "30", "--sleep-ms", "2", "--final-checkpoint", round == 1 ? "RESTART" : "PASSIVE");
                WalshipProcess next = started(WalshipProcess.start(db, replica));
                if (round == 2) w.start("--count", "40", "--sleep-ms", "5"); // writes race walship's startup
                next.awaitReplicating(30_000);
                downtimes.add(new long[] {down, System.currentTimeMillis()});
                if (round == 2) w.await(60_000);
                ws = next;
            }
            w.run("--count", "40", "--sleep-ms", "5");
            E2E.sleep(700);
            WalshipProcess last = ws;
            assertEquals(0, ws.term(), () -> E2E.tail(last.log, 20));
            verify(w, 15);
        }
    }

    /** Final state exact; instants across the run obey the restore rule; sampled txids are consistent. */
    private void verify(Writer w, int instantsCount) throws Exception {
        List<Writer.Commit> commits = w.commits();
        RestoreCheck rc = new RestoreCheck(replica, dir.resolve("restores")).describedBy(w);
        rc.assertLatest(w.last().checksum());
        RestoreCheck.Window win = rc.window();
        Random rnd = new Random(3);
        List<Long> instants = new ArrayList<>();
        for (int i = 0; i < instantsCount; i++) {
            instants.add(win.earliestTime() + (win.latestTime() - win.earliestTime()) * i / (instantsCount - 1));
        }
        rc.assertAtTimes(commits, instants, t -> downtimes.stream()
                .noneMatch(d -> t >= d[0] && t <= d[1] + RestoreCheck.SEEN_SLACK_MS + 2_000));
        TreeSet<Long> sample = new TreeSet<>();
        long span = win.latestTxid() - win.earliestTxid() + 1;
        long runStart = win.earliestTxid() + (long) (rnd.nextDouble() * Math.max(1, span - 20));
        for (long x = runStart; x < Math.min(runStart + 20, win.latestTxid() + 1); x++) sample.add(x);
        while (sample.size() < Math.min(span, 60)) sample.add(win.earliestTxid() + (long) (rnd.nextDouble() * span));
        sample.add(win.latestTxid());
        rc.assertTxids(commits, new ArrayList<>(sample), win.snapshotTxids());
        assertTrue(win.latestTxid() - win.earliestTxid() + 1 >= 1, "window " + win);
    }
}
