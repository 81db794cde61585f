package dev.walship.segment;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A 200 MB snapshot streamed from writer to reader through a pipe: nothing may hold the file in memory. */
class SegmentStreamingTest {

    private static final int PAGE = 4096;
    private static final int PAGES = 200 * 1024 * 1024 / PAGE;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void twoHundredMegabyteSnapshotStreamsWithFlatMemory(boolean compressed) throws Exception {
        SegmentHeader h = SegmentHeader.snapshot(compressed, PAGE, 77, 1234);
        PipedInputStream in = new PipedInputStream(1 << 20);
        PipedOutputStream out = new PipedOutputStream(in);
        CompletableFuture<Long> writer = CompletableFuture.supplyAsync(() -> {
            try (out; SegmentWriter w = SegmentWriter.create(out, h)) {
                DbChecksum sum = new DbChecksum(PAGE);
                sum.resize(PAGES);
                byte[] page = new byte[PAGE];
                w.beginTxn(new TxnHeader(77, 1234, PAGES, PAGES));
                for (int p = 1; p <= PAGES; p++) {
                    fill(page, p);
                    sum.setPage(p, page, 0);
                    w.page(p, page, 0);
                }
                w.endTxn(sum.value());
                w.finish();
                return w.bytesWritten();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });

        long baseline = usedHeapAfterGc();
        DbChecksum applied = new DbChecksum(PAGE);
        byte[] buf = new byte[PAGE];
        byte[] expected = new byte[PAGE];
        try (SegmentReader r = SegmentReader.open(in, "snapshots/big.snap", h.toFileInfo(-1))) {
            TxnHeader t = r.nextTxn();
            assertEquals(new TxnHeader(77, 1234, PAGES, PAGES), t);
            applied.resize(t.dbSize());
            for (int i = 1; i <= PAGES; i++) {
                int pgno = r.nextPage(buf);
                assertEquals(i, pgno);
                fill(expected, pgno);
                if (!Arrays.equals(expected, buf)) assertArrayEquals(expected, buf, "page " + pgno);
                applied.setPage(pgno, buf, 0);
            }
            long grown = usedHeapAfterGc() - baseline;
            // the page hash table is 400 KiB; 64 MiB leaves room for GC noise but not for a buffered body
            assertTrue(grown < 64L * 1024 * 1024, "heap grew by " + grown + " bytes while streaming 200 MB");
            assertEquals(applied.value(), r.endTxn());
            assertNull(r.nextTxn());
        }
        long written = writer.get(60, TimeUnit.SECONDS);
        if (!compressed) assertEquals(64 + 16 + 24 + 12 + (long) PAGES * (4 + PAGE), written);
        else assertTrue(written < (long) PAGES * PAGE / 2, "compressed to " + written);
    }

    /** A page that differs from every other page, cheap to regenerate on the reading side. */
    private static void fill(byte[] page, int pgno) {
        ByteBuffer b = ByteBuffer.wrap(page);
        for (int i = 0; i < PAGE / 8; i += 2) b.putLong((long) pgno << 32 | i).putLong(0);
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }
}
