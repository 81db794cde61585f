package dev.walship.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.walship.wal.WalScan.StopReason;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Synthetic WALs larger than one read chunk, so frame handling across chunk edges is exercised. */
class WalChunkingTest {
    @TempDir
    Path tmp;

    /** 2500 frames of 1 KiB pages (1000 frames per 1 MiB chunk), a commit every 7th frame. */
    private static byte[] bigWal(boolean bigEndian) {
        List<WalBytes.Frame> frames = new ArrayList<>();
        for (int i = 1; i <= 2500; i++) {
            frames.add(new WalBytes.Frame(1 + i % 50, i % 7 == 0 ? 60 : 0, (byte) i));
        }
        return WalBytes.build(1024, bigEndian, 0xCAFE, 0xBEEF, frames);
    }

    @Test
    void scansAndRereadsAcrossChunkBoundaries() throws Exception {
        for (boolean be : new boolean[] {false, true}) {
            byte[] wal = bigWal(be);
            WalScan s = WalTestFiles.scanAll(wal, tmp);
            assertEquals(StopReason.END_OF_FILE, s.stop());
            assertEquals(357, s.txns().size());
            assertEquals(new CommittedTxn(995, 1001, 60, 7), s.txns().get(142), "txn spanning the first chunk edge");
            assertEquals(2499, s.end().frame());
            assertEquals(1, s.framesAfterLastCommit());

            WalTestFiles.Delivered got = new WalTestFiles.Delivered();
            try (FileChannel ch = WalTestFiles.open(tmp.resolve("scan.wal"))) {
                assertEquals(s.end(), WalReader.readFrames(ch, WalPosition.start(s.header()), 2499, got.consumer(), "w"));
            }
            assertEquals(2499, got.index().size());
            assertEquals((byte) 1000, got.pages().get(999)[0]);
            assertEquals((byte) 1001, got.pages().get(1000)[1023]);
        }
    }

    @Test
    void stopsAtDamageJustAfterAChunkEdge() throws Exception {
        byte[] wal = bigWal(false);
        wal[WalBytes.frameOffset(wal, 1001) + 24] ^= 1;
        WalScan s = WalTestFiles.scanAll(wal, tmp);
        assertEquals(StopReason.CHECKSUM_MISMATCH, s.stop());
        assertEquals(1001, s.stopFrame());
        assertEquals(994, s.end().frame());
        assertEquals(6, s.framesAfterLastCommit());

        byte[] torn = java.util.Arrays.copyOf(bigWal(false), WalBytes.frameOffset(wal, 1000) + 5);
        Files.write(tmp.resolve("torn.wal"), torn);
        WalScan t = WalTestFiles.scanAll(tmp.resolve("torn.wal"));
        assertEquals(StopReason.TORN_FRAME, t.stop());
        assertEquals(994, t.end().frame());
        assertEquals(1000, t.stopFrame());
    }
}
