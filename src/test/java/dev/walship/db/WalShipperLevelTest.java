package dev.walship.db;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.walship.wal.WalPosition;
import org.junit.jupiter.api.Test;

/** The L0 compression level follows the size of the batch: cheap when walship is behind a fast writer. */
class WalShipperLevelTest {
    private static final WalPosition FROM = new WalPosition(1, 2, 0, 4096, 0, 0, 0, false);

    private static WalPosition after(long frames) {
        return FROM.at(frames, 0, 0);
    }

    @Test
    void smallBatchesUseLevelOneLargeOnesAFastLevelAndHugeOnesNoCompression() {
        long mib = 1 << 20;
        assertEquals(WalShipper.L0_ZSTD_LEVEL, WalShipper.level(FROM, after(10)));
        assertEquals(WalShipper.L0_ZSTD_LEVEL, WalShipper.level(FROM, after(WalShipper.FAST_LEVEL_BYTES / 4096 - 1)));
        assertEquals(WalShipper.L0_FAST_ZSTD_LEVEL, WalShipper.level(FROM, after(WalShipper.FAST_LEVEL_BYTES / 4096)));
        assertEquals(WalShipper.L0_FAST_ZSTD_LEVEL, WalShipper.level(FROM, after(20 * mib / 4096)));
        assertEquals(WalShipper.RAW, WalShipper.level(FROM, after(WalShipper.RAW_BYTES / 4096)));
    }
}
