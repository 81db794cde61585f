package dev.walship.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.db.InProcessSidecar;
import dev.walship.e2e.E2E;
import dev.walship.e2e.RestoreCheck;
import dev.walship.e2e.Writer;
import dev.walship.replica.ReplicaSync;
import dev.walship.replica.file.FileReplica;
import dev.walship.restore.Restorer;
import dev.walship.restore.Verifier;
import dev.walship.retention.Retention;
import dev.walship.segment.FileInfo;
import dev.walship.segment.SegmentReader;
import dev.walship.segment.TxnHeader;
import dev.walship.testing.ManualClock;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar's clock jumps back an hour, then forward by 100 days, while the app writes. Txids, not wall
 * time, order the data: every transaction keeps its own txid in commit order, times never go backwards along
 * txids (a transaction found while the clock is behind carries the last time seen), a point-in-time restore
 * picks the newest transaction stamped at or before the instant (or says why it cannot), and the forward
 * jump's retention pass keeps the latest state restorable.
 */
@Timeout(120)
class ClockJumpTest {
    private static final ReplicaSync.Policy POLICY = new ReplicaSync.Policy(60_000, 300_000,
            new Retention.Policy(72 * 3_600_000L, 3_600_000L, 24 * 3_600_000L));

    @TempDir
    Path dir;

    @Test
    void txidsOrderTheDataWhenTheClockJumps() throws Exception {
        Path db = dir.resolve("app.db");
        Path root = dir.resolve("replica");
        Writer w = new Writer(db).run("--count", "1", "--sleep-ms", "0");
        Instant start = Instant.now().minus(Duration.ofHours(3));
        ManualClock clock = new ManualClock(start);
        FileReplica replica = new FileReplica(root);
        InProcessSidecar sc = new InProcessSidecar(db, dir.resolve("spool"), replica, clock, POLICY,
                Duration.ofMinutes(10), 1000).open();

        rounds(sc, w, clock, 10);
        long beforeJump = clock.millis();
        long lastBeforeJump = sc.follower().lastTxid();
        clock.advance(Duration.ofHours(-1));
        rounds(sc, w, clock, 10);
        long lastOfJump = sc.follower().lastTxid();
        assertTrue(lastOfJump >= lastBeforeJump + 20, "every commit made while the clock was behind got a txid");

        // along txids, one per commit, with times that never go backwards
        TreeMap<Long, Long> stamps = stamps(replica);
        assertEquals(new ArrayList<>(stamps.keySet()), range(stamps.firstKey(), stamps.lastKey()), "no txid gap");
        long prev = Long.MIN_VALUE;
        for (Map.Entry<Long, Long> e : stamps.entrySet()) {
            assertTrue(e.getValue() >= prev, "txid " + e.getKey() + " is stamped before the txid before it");
            prev = e.getValue();
        }
        for (long t = lastBeforeJump + 1; t <= lastOfJump; t++) {
            assertEquals(beforeJump, stamps.get(t), "while behind, txid " + t + " carries the last time seen");
        }

        RestoreCheck rc = new RestoreCheck(root, dir.resolve("restores")).describedBy(w);
        List<Long> txids = new ArrayList<>(stamps.keySet());
        List<Integer> seqs = rc.assertTxids(w.commits(), txids, new TreeSet<>(List.of(stamps.firstKey())));
        Map<Long, Integer> seqOf = new TreeMap<>();
        for (int i = 0; i < txids.size(); i++) seqOf.put(txids.get(i), seqs.get(i));

        // --to T: the newest transaction stamped at or before T, even though the app committed some of them later
        for (long t : List.of(beforeJump - 1, beforeJump, beforeJump - 15_000)) {
            long expected = stamps.entrySet().stream().filter(e -> e.getValue() <= t).mapToLong(Map.Entry::getKey)
                    .max().orElseThrow();
            Path p = rc.restore("--to", Instant.ofEpochMilli(t).toString());
            String want = w.commits().get(seqOf.get(expected)).checksum();
            String got = E2E.check(p).checksum();
            assertEquals(want, got, () -> "--to " + Instant.ofEpochMilli(t) + " must be txid " + expected + " but "
                    + w.describe(got));
        }
        // an instant the clock showed only while it was behind, before anything was stamped: refused, with the reason
        RestoreCheck.Result r = RestoreCheck.cli("restore", "--replica", root.toString(), "-o",
                dir.resolve("never.db").toString(), "--to", start.minus(Duration.ofMinutes(30)).toString());
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().contains("before the oldest snapshot"), r::toString);

        // forward by 100 days: a periodic snapshot at once, retention drops what the window no longer needs
        clock.advance(Duration.ofDays(100));
        rounds(sc, w, clock, 6);
        sc.stop();
        assertTrue(replica.listFiles().stream().filter(FileInfo::isSnapshot).count() >= 1);
        Verifier.Report v = Verifier.verify(replica, Verifier.live(db, sc.spoolDir), new Verifier.Options(
                Files.createDirectories(dir.resolve("verify-tmp")), Restorer.IntegrityCheck.FULL, Duration.ofSeconds(5),
                null));
        assertEquals(Verifier.Outcome.OK, v.outcome(), v::message);
        rc.assertLatest(w.last().checksum());
    }

    /** Each round: two commits by the app, ten seconds on the clock, one sidecar round. */
    private static void rounds(InProcessSidecar sc, Writer w, ManualClock clock, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            w.run("--count", "2", "--sleep-ms", "0");
            clock.advance(Duration.ofSeconds(10));
            assertTrue(sc.round(), () -> "upload failed: " + sc.sync().lastError());
        }
    }

    /** txid -> time of every record of every L0 file and snapshot. */
    private static TreeMap<Long, Long> stamps(FileReplica replica) throws Exception {
        TreeMap<Long, Long> out = new TreeMap<>();
        for (FileInfo f : replica.listFiles()) {
            if (!f.isSnapshot() && f.level() != 0) continue;
            try (InputStream in = replica.open(f); SegmentReader r = SegmentReader.open(in, f.name(), f)) {
                byte[] page = new byte[r.header().pageSize()];
                for (TxnHeader t; (t = r.nextTxn()) != null; ) {
                    for (int i = 0; i < t.pageCount(); i++) r.nextPage(page);
                    r.endTxn();
                    out.put(t.txid(), t.time());
                }
            }
        }
        return out;
    }

    private static List<Long> range(long from, long to) {
        List<Long> l = new ArrayList<>();
        for (long t = from; t <= to; t++) l.add(t);
        return l;
    }
}
