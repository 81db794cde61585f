package dev.walship.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.segment.FileInfo;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompactionPlannerTest {

    private static final long MIN = 60_000;

    static FileInfo seg(int level, long min, long max, long minTime, long maxTime) {
        return FileInfo.segment(level, min, max, minTime, maxTime, 100);
    }

    static FileInfo snap(long txid, long time) {
        return FileInfo.snapshot(txid, time, 100);
    }

    private static List<String> ranges(List<CompactionPlanner.Merge> merges) {
        List<String> out = new ArrayList<>();
        for (CompactionPlanner.Merge m : merges) {
            FileInfo o = m.output(-1);
            out.add("L" + m.toLevel() + ":" + o.minTxid() + ".." + o.maxTxid());
        }
        return out;
    }

    @Test
    void onlyClosedWindowsArePlanned() {
        List<FileInfo> files = List.of(snap(1, 0), seg(0, 2, 5, 1_000, 10_000), seg(0, 6, 9, 20_000, 59_999));
        assertEquals(List.of(), CompactionPlanner.plan(files, 0, MIN, 30_000));
        assertEquals(List.of(), CompactionPlanner.plan(files, 0, MIN, MIN - 1), "the window [0, 1 min) is still open");
        List<CompactionPlanner.Merge> m = CompactionPlanner.plan(files, 0, MIN, MIN);
        assertEquals(List.of("L1:2..9"), ranges(m));
        assertEquals(List.of(files.get(1), files.get(2)), m.get(0).inputs());
        FileInfo out = m.get(0).output(1234);
        assertEquals(FileInfo.segment(1, 2, 9, 1_000, 59_999, 1234), out);
    }

    @Test
    void aFileEndingInAnOpenWindowWaitsWhileEarlierWindowsAreMerged() {
        List<FileInfo> files = List.of(seg(0, 1, 3, 0, 30_000), seg(0, 4, 6, 40_000, 50_000),
                seg(0, 7, 9, 61_000, 70_000), seg(0, 10, 12, 80_000, 130_000));
        assertEquals(List.of("L1:1..6"), ranges(CompactionPlanner.plan(files, 0, MIN, 100_000)));
        assertEquals(List.of("L1:1..6", "L1:7..9"), ranges(CompactionPlanner.plan(files, 0, MIN, 120_000)));
        assertEquals(List.of("L1:1..6", "L1:7..9", "L1:10..12"), ranges(CompactionPlanner.plan(files, 0, MIN, 180_000)));
    }

    @Test
    void runsSplitAtTxidGaps() {
        // txid 11 is a break snapshot: no segment covers it
        List<FileInfo> files = List.of(seg(0, 1, 5, 0, 1_000), seg(0, 6, 10, 2_000, 3_000), snap(11, 4_000),
                seg(0, 12, 15, 5_000, 6_000), seg(0, 16, 20, 7_000, 8_000));
        assertEquals(List.of("L1:1..10", "L1:12..20"), ranges(CompactionPlanner.plan(files, 0, MIN, MIN)));
        // a gap without a snapshot (files still missing) splits as well
        List<FileInfo> holes = List.of(seg(0, 1, 5, 0, 1_000), seg(0, 8, 10, 2_000, 3_000));
        assertEquals(List.of("L1:1..5", "L1:8..10"), ranges(CompactionPlanner.plan(holes, 0, MIN, MIN)));
    }

    @Test
    void runsSplitAfterAPeriodicSnapshot() {
        // a periodic snapshot at 10 shares its txid with the end of an L0: a merged file must not span it,
        // or once the L0 files are gone no file starts at 11 and the snapshot is no restore base any more
        List<FileInfo> files = List.of(seg(0, 1, 5, 0, 1_000), seg(0, 6, 10, 2_000, 3_000), snap(10, 3_000),
                seg(0, 11, 15, 5_000, 6_000));
        assertEquals(List.of("L1:1..10", "L1:11..15"), ranges(CompactionPlanner.plan(files, 0, MIN, MIN)));
        List<FileInfo> l1 = List.of(seg(1, 1, 10, 0, 3_000), snap(10, 3_000), seg(1, 11, 15, 5_000, 6_000),
                seg(1, 16, 30, 61_000, 70_000));
        assertEquals(List.of("L2:1..10", "L2:11..30"), ranges(CompactionPlanner.plan(l1, 1, 3_600_000, 3_600_000)));
    }

    @Test
    void coveredFilesAreNotPlannedAgain() {
        List<FileInfo> files = new ArrayList<>(List.of(seg(0, 1, 5, 0, 1_000), seg(0, 6, 10, 2_000, 3_000)));
        List<CompactionPlanner.Merge> first = CompactionPlanner.plan(files, 0, MIN, MIN);
        assertEquals(1, first.size());
        files.add(first.get(0).output(10));
        assertEquals(List.of(), CompactionPlanner.plan(files, 0, MIN, 10 * MIN));
        // a late L0 of the same, closed window is merged on its own
        files.add(seg(0, 11, 12, 4_000, 5_000));
        assertEquals(List.of("L1:11..12"), ranges(CompactionPlanner.plan(files, 0, MIN, 10 * MIN)));
        // covered by an L2 counts too
        List<FileInfo> byL2 = List.of(seg(0, 1, 5, 0, 1_000), seg(2, 1, 100, 0, 10_000));
        assertEquals(List.of(), CompactionPlanner.plan(byL2, 0, MIN, 10 * MIN));
    }

    @Test
    void eachLevelOnlyMergesItsOwnFiles() {
        List<FileInfo> files = List.of(snap(1, 0), seg(0, 2, 3, 10, 20), seg(1, 4, 9, 30, 40), seg(2, 10, 20, 50, 60));
        assertEquals(List.of("L1:2..3"), ranges(CompactionPlanner.plan(files, 0, MIN, MIN)));
        assertEquals(List.of("L2:4..9"), ranges(CompactionPlanner.plan(files, 1, MIN, MIN)));
    }

    @Test
    void windowsAreMergedSeparatelyAndInOrder() {
        List<FileInfo> files = new ArrayList<>();
        long txid = 1;
        for (int i = 0; i < 10; i++) {
            long t = i * 20_000L; // three files per minute
            files.add(seg(0, txid, txid + 1, t, t + 1));
            txid += 2;
        }
        List<CompactionPlanner.Merge> m = CompactionPlanner.plan(files, 0, MIN, 10 * MIN);
        assertEquals(List.of("L1:1..6", "L1:7..12", "L1:13..18", "L1:19..20"), ranges(m));
        for (CompactionPlanner.Merge x : m) {
            for (int i = 1; i < x.inputs().size(); i++) {
                assertTrue(x.inputs().get(i).minTxid() == x.inputs().get(i - 1).maxTxid() + 1);
            }
        }
    }
}
