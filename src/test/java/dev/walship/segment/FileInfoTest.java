package dev.walship.segment;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileInfoTest {

    @Test
    void namesRoundTripAndSortByTxid() {
        FileInfo seg = FileInfo.segment(1, 0x10, 0x1f, 1_700_000_000_000L, 1_700_000_000_500L, 123);
        assertEquals("L1/0000000000000010-000000000000001f-0000018bcfe56800-0000018bcfe569f4.seg", seg.name());
        assertEquals(Optional.of(seg), FileInfo.parse(seg.name(), 123));
        FileInfo snap = FileInfo.snapshot(9, 5, -1);
        assertEquals("snapshots/0000000000000009-0000000000000005.snap", snap.name());
        assertEquals(Optional.of(snap.withSize(10)), FileInfo.parse(snap.name(), 10));
        assertTrue(FileInfo.segment(0, 9, 9, 0, 0, 0).name().compareTo(FileInfo.segment(0, 10, 10, 0, 0, 0).name()) < 0);
    }

    @Test
    void foreignOrImpossibleNamesAreNotDataFiles() {
        assertEquals(Optional.empty(), FileInfo.parse("walship-replica.json", 1));
        assertEquals(Optional.empty(), FileInfo.parse("L3/0000000000000001-0000000000000001-0000000000000000-0000000000000000.seg", 1));
        assertEquals(Optional.empty(), FileInfo.parse("L0/0000000000000002-0000000000000001-0000000000000000-0000000000000000.seg", 1));
        assertEquals(Optional.empty(), FileInfo.parse("L0/0000000000000001-0000000000000001-0000000000000000-0000000000000000.seg.tmp", 1));
        assertThrows(IllegalArgumentException.class, () -> FileInfo.segment(0, 0, 1, 0, 0, 0));
    }
}
