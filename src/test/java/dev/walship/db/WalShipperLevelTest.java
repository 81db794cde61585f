package dev.walship.db;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.walship.wal.WalPosition;
import org.junit.jupiter.api.Test;

/** The L0 body is compressed unless the batch is large: then walship is behind a fast writer and speed counts. */
class WalShipperLevelTest {
    private static final WalPosition FROM = new WalPosition(1, 2, 0, 4096, 0, 0, 0, false);

    private static WalPosition after(long frames) {
        return FROM.at(frames, 0, 0);
    }

    @Test
    void smallBatchesUseLevelOneAndLargeOnesNoCompression() {
        assertEquals(WalShipper.L0_ZSTD_LEVEL, WalShipper.level(FROM, after(10)));
        assertEquals(WalShipper.L0_ZSTD_LEVEL, WalShipper.level(FROM, after(WalShipper.RAW_BYTES / 4096 - 1)));
        assertEquals(WalShipper.RAW, WalShipper.level(FROM, after(WalShipper.RAW_BYTES / 4096)));
        assertEquals(WalShipper.RAW, WalShipper.level(FROM, after(100_000)));
    }
}
