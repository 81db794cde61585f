package dev.walship.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.restore.RestoreException.Kind;
import dev.walship.segment.FileInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RestorePlannerTest {

    static final long BASE = 1_780_000_000_000L;
    static final long NOW = BASE + 1_000_000_000L;

    static long t(long txid) {
        return BASE + txid * 1000;
    }

    static FileInfo snap(long txid) {
        return FileInfo.snapshot(txid, t(txid), 100);
    }

    static FileInfo l(int level, long a, long b) {
        return FileInfo.segment(level, a, b, t(a), t(b), 10);
    }

    static RestorePlan plan(RestoreTarget target, FileInfo... files) throws RestoreException {
        var list = new ArrayList<>(Arrays.asList(files));
        java.util.Collections.reverse(list); // listing order must not matter
        RestorePlan p = RestorePlanner.plan("file:///r", list, target, NOW);
        assertFalse(p.explanation().isBlank());
        return p;
    }

    static RestoreException fails(Kind kind, RestoreTarget target, FileInfo... files) {
        var e = assertThrows(RestoreException.class, () -> plan(target, files));
        assertEquals(kind, e.kind(), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        return e;
    }

    static RestoreTarget.AtTime at(long millis) {
        return new RestoreTarget.AtTime(Instant.ofEpochMilli(millis));
    }

    static RestoreTarget.AtTxid tx(long txid) {
        return new RestoreTarget.AtTxid(txid);
    }

    static final RestoreTarget LATEST = new RestoreTarget.Latest();

    @Test
    void emptyReplicaNamesTheReplica() {
        var e = fails(Kind.NO_SNAPSHOTS, LATEST);
        assertTrue(e.getMessage().contains("replica file:///r has no snapshots yet"), e.getMessage());
        fails(Kind.NO_SNAPSHOTS, tx(3), l(0, 2, 5));
    }

    @Test
    void onlySnapshot() throws Exception {
        RestorePlan p = plan(LATEST, snap(5));
        assertEquals(snap(5), p.snapshot());
        assertEquals(List.of(), p.segments());
        assertEquals(OptionalLong.of(5), p.expectedTxid());
        assertEquals(Long.MAX_VALUE, p.stopAfterTxid());
        assertEquals(Long.MAX_VALUE, p.stopAtTime());
        assertEquals(Granularity.TRANSACTION, p.granularity());
        assertTrue(p.explanation().contains("snapshot 0x5 at " + Instant.ofEpochMilli(t(5)) + " alone"), p.explanation());
        assertEquals(List.of(), plan(at(t(5)), snap(5)).segments());
        assertEquals(5, plan(tx(5), snap(5)).stopAfterTxid());
        fails(Kind.BEFORE_EARLIEST, at(t(5) - 1), snap(5));
        fails(Kind.BEFORE_EARLIEST, tx(4), snap(5));
        var e = fails(Kind.BEYOND_LATEST, tx(6), snap(5));
        assertTrue(e.getMessage().contains("restorable: txid 0x5..0x5"), e.getMessage());
    }

    @Test
    void snapshotAndL0s() throws Exception {
        FileInfo[] f = {snap(1), l(0, 2, 4), l(0, 5, 7), l(0, 8, 10)};
        assertEquals(List.of(f[1], f[2], f[3]), plan(LATEST, f).segments());
        RestorePlan mid = plan(tx(6), f);
        assertEquals(List.of(f[1], f[2]), mid.segments());
        assertEquals(6, mid.stopAfterTxid());
        assertEquals(OptionalLong.of(6), mid.expectedTxid());
        assertEquals(List.of(f[1], f[2]), plan(tx(7), f).segments());
        assertEquals(List.of(f[1]), plan(tx(2), f).segments());

        RestorePlan between = plan(at(t(6) + 500), f);
        assertEquals(List.of(f[1], f[2]), between.segments());
        assertEquals(t(6) + 500, between.stopAtTime());
        assertEquals(Long.MAX_VALUE, between.stopAfterTxid());
        assertEquals(Granularity.TRANSACTION, between.granularity());
        assertEquals(OptionalLong.empty(), between.expectedTxid());
        assertTrue(between.explanation().contains("every transaction is a restore point"), between.explanation());

        RestorePlan onBoundary = plan(at(t(7)), f);
        assertEquals(List.of(f[1], f[2]), onBoundary.segments());
        assertEquals(OptionalLong.of(7), onBoundary.expectedTxid());
        assertEquals(Granularity.TRANSACTION, onBoundary.granularity());
        // exactly on the first record of the next file: that file straddles and is included
        assertEquals(List.of(f[1], f[2], f[3]), plan(at(t(8)), f).segments());

        RestorePlan after = plan(at(t(10) + 5000), f);
        assertEquals(OptionalLong.of(10), after.expectedTxid());
        assertTrue(after.explanation().contains("restoring the latest state"), after.explanation());

        assertEquals(3, plan(at(NOW + 1000), f).segments().size());
        var e = fails(Kind.IN_FUTURE, at(NOW + 1001), f);
        assertTrue(e.getMessage().contains("restorable: txid 0x1..0xa"), e.getMessage());
        fails(Kind.BEYOND_LATEST, tx(11), f);
    }

    @Test
    void overlappingLevelsUseFewestFiles() throws Exception {
        FileInfo[] f = {snap(1), l(0, 2, 3), l(0, 4, 5), l(0, 6, 7), l(0, 8, 9), l(0, 10, 11),
                l(1, 2, 5), l(1, 6, 9), l(2, 2, 9)};
        assertEquals(List.of(l(2, 2, 9), l(0, 10, 11)), plan(LATEST, f).segments());
        assertEquals(List.of(l(2, 2, 9)), plan(tx(9), f).segments());
        assertEquals(List.of(l(1, 2, 5), l(0, 6, 7)), plan(tx(7), f).segments());
        assertEquals(List.of(l(1, 2, 5), l(0, 6, 7), l(0, 8, 9)), plan(tx(8), f).segments());
        assertEquals(List.of(l(0, 2, 3)), plan(tx(3), f).segments());
        assertEquals(List.of(l(0, 2, 3)), plan(tx(2), f).segments());
        RestorePlan p = plan(at(t(6) + 1), f);
        assertEquals(List.of(l(1, 2, 5), l(0, 6, 7)), p.segments());
        assertEquals(Granularity.TRANSACTION, p.granularity());
        assertEquals(List.of(l(2, 2, 9), l(0, 10, 11)), plan(at(t(10)), f).segments());
    }

    @Test
    void compactedOnlyHistoryRestoresToFileBoundaries() throws Exception {
        FileInfo[] f = {snap(1), l(1, 2, 5), l(1, 6, 9)};
        RestorePlan p = plan(at(t(7)), f);
        assertEquals(List.of(l(1, 2, 5)), p.segments());
        assertEquals(Granularity.FILE, p.granularity());
        assertEquals(OptionalLong.of(5), p.expectedTxid());
        assertTrue(p.explanation().contains("compacted L1 files: restore point is the newest file boundary"),
                p.explanation());
        assertEquals(Granularity.TRANSACTION, plan(at(t(9)), f).granularity());
        var e = fails(Kind.COMPACTED, tx(7), f);
        assertTrue(e.getMessage().contains("restore txid 0x5 or 0x9 instead"), e.getMessage());
        assertTrue(e.getMessage().contains(l(1, 6, 9).name()), e.getMessage());
    }

    @Test
    void multipleSnapshotsPreferTheNewest() throws Exception {
        FileInfo[] f = {snap(1), l(0, 2, 5), snap(5), l(0, 6, 9), snap(9)};
        assertEquals(snap(9), plan(LATEST, f).snapshot());
        assertEquals(List.of(), plan(LATEST, f).segments());
        RestorePlan p = plan(tx(7), f);
        assertEquals(snap(5), p.snapshot());
        assertEquals(List.of(l(0, 6, 9)), p.segments());
        assertEquals(snap(1), plan(tx(3), f).snapshot());
        assertEquals(snap(9), plan(at(t(9)), f).snapshot());
        assertEquals(snap(5), plan(at(t(8)), f).snapshot());
    }

    @Test
    void newestSnapshotWinsEvenWithMoreFiles() throws Exception {
        RestorePlan p = plan(tx(9), snap(1), l(2, 2, 9), snap(5), l(0, 6, 7), l(0, 8, 9));
        assertEquals(snap(5), p.snapshot());
        assertEquals(2, p.segments().size());
    }

    @Test
    void fallbackPicksTheOlderSnapshotWithFewestFiles() throws Exception {
        FileInfo[] f = {snap(1), snap(3), snap(4), l(0, 2, 3), l(0, 4, 5), l(0, 6, 9), l(2, 2, 9)};
        RestorePlan p = plan(tx(9), f);
        assertEquals(snap(1), p.snapshot());
        assertEquals(List.of(l(2, 2, 9)), p.segments());
        RestorePlan latest = plan(LATEST, f);
        assertEquals(snap(1), latest.snapshot());
        assertEquals(OptionalLong.of(9), latest.expectedTxid());
    }

    @Test
    void snapshotAfterABreakIsTheOnlyWayAcross() throws Exception {
        FileInfo[] f = {snap(1), l(0, 2, 10), snap(11), l(0, 12, 20)};
        RestorePlan latest = plan(LATEST, f);
        assertEquals(snap(11), latest.snapshot());
        assertEquals(List.of(l(0, 12, 20)), latest.segments());
        assertEquals(snap(1), plan(tx(10), f).snapshot());
        assertEquals(snap(11), plan(tx(11), f).snapshot());
        RestorePlan before = plan(at(t(10) + 500), f);
        assertEquals(snap(1), before.snapshot());
        assertEquals(OptionalLong.of(10), before.expectedTxid());
        assertEquals(Granularity.TRANSACTION, before.granularity());
    }

    @Test
    void gapsAreNamed() throws Exception {
        FileInfo[] f = {snap(1), l(0, 2, 5), l(0, 9, 12)};
        var e = fails(Kind.GAP, tx(7), f);
        assertTrue(e.getMessage().contains("txids 0x6..0x8 are missing"), e.getMessage());
        fails(Kind.GAP, tx(10), f);
        fails(Kind.BEYOND_LATEST, tx(13), f);
        assertEquals(OptionalLong.of(5), plan(LATEST, f).expectedTxid());
        // before the data after the gap starts, the newest reachable point is the best anyone can do
        RestorePlan p = plan(at(t(7)), f);
        assertEquals(OptionalLong.of(5), p.expectedTxid());
        assertEquals(Granularity.FILE, p.granularity());
        assertTrue(p.explanation().contains("txids 0x6..0x8 are missing"), p.explanation());
        // once the target is past data we hold but cannot reach, restoring 5 would silently lose it
        e = fails(Kind.GAP, at(t(10)), f);
        assertTrue(e.getMessage().contains("txids 0x6..0x8 are missing"), e.getMessage());
        assertTrue(e.getMessage().contains(l(0, 9, 12).name()), e.getMessage());

        e = fails(Kind.GAP, tx(7), snap(1), l(0, 2, 5), snap(9), l(0, 10, 12));
        assertTrue(e.getMessage().contains("txids 0x6..0x8 are missing"), e.getMessage());
    }

    @Test
    void compactedFileSpanningASnapshot() throws Exception {
        FileInfo[] f = {snap(1), snap(5), l(1, 2, 9)};
        RestorePlan latest = plan(LATEST, f);
        assertEquals(snap(1), latest.snapshot());
        assertEquals(List.of(l(1, 2, 9)), latest.segments());
        assertEquals(snap(5), plan(tx(5), f).snapshot());
        fails(Kind.COMPACTED, tx(7), f);
        RestorePlan p = plan(at(t(7)), f);
        assertEquals(snap(5), p.snapshot());
        assertEquals(Granularity.FILE, p.granularity());
        assertTrue(p.explanation().contains("only inside " + l(1, 2, 9).name()), p.explanation());
    }

    @Test
    void equalTimesAndL0StartingAfterTheTarget() throws Exception {
        FileInfo seg = FileInfo.segment(0, 2, 4, t(1) + 10, t(1) + 10, 10);
        RestorePlan p = plan(at(t(1) + 5), snap(1), seg);
        assertEquals(List.of(), p.segments());
        assertEquals(Granularity.TRANSACTION, p.granularity());
        assertEquals(OptionalLong.of(1), p.expectedTxid());
        RestorePlan q = plan(at(t(1) + 10), snap(1), seg);
        assertEquals(List.of(seg), q.segments());
        assertEquals(OptionalLong.of(4), q.expectedTxid());
    }

    @Test
    void windowSpansOldestSnapshotToFurthestReach() {
        assertTrue(RestoreWindow.of(List.of(l(0, 2, 3))).isEmpty());
        var w = RestoreWindow.of(List.of(snap(3), l(0, 4, 6), snap(1), l(0, 2, 2), l(0, 8, 9))).orElseThrow();
        assertEquals(new RestoreWindow(1, t(1), 6, t(6)), w);
    }

    @Test
    void valuesValidate() {
        assertThrows(IllegalArgumentException.class, () -> new RestoreTarget.AtTxid(0));
        assertThrows(NullPointerException.class, () -> new RestoreTarget.AtTime(null));
        assertThrows(IllegalArgumentException.class, () -> new RestorePlan(snap(1), List.of(l(0, 3, 4)), LATEST,
                Long.MAX_VALUE, Long.MAX_VALUE, Granularity.TRANSACTION, OptionalLong.empty(), "x"));
        assertThrows(IllegalArgumentException.class, () -> new RestorePlan(snap(1), List.of(l(0, 2, 4)), LATEST,
                Long.MAX_VALUE, Long.MAX_VALUE, Granularity.TRANSACTION, OptionalLong.empty(), "a\nb"));
        assertThrows(IllegalArgumentException.class, () -> new RestorePlan(l(0, 1, 1), List.of(), LATEST,
                Long.MAX_VALUE, Long.MAX_VALUE, Granularity.TRANSACTION, OptionalLong.empty(), "x"));
        assertThrows(IllegalArgumentException.class, () -> new RestoreWindow(5, 0, 4, 0));
    }
}
