package dev.walship.wal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Running SQLite WAL checksum (the two-word Fletcher-like sum from the file format documentation)
 * that can be continued from any earlier (s0, s1) state.
 *
 * <p>Mutable on purpose: it is updated once per frame on WALs of hundreds of MB every second, so a
 * value object per frame would be pure garbage. Instances are not thread-safe.
 */
public final class WalChecksum {
    private static final VarHandle BIG = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LITTLE =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final boolean bigEndian;
    private int s0;
    private int s1;

    /** Starts from an earlier state; use (0, 0) for a WAL header. */
    public WalChecksum(boolean bigEndian, int s0, int s1) {
        this.bigEndian = bigEndian;
        this.s0 = s0;
        this.s1 = s1;
    }

    /**
     * Adds {@code len} bytes (a multiple of 8) to the sum. The word byte order comes from the WAL
     * magic, not the host, so a WAL written on a big-endian machine still verifies here.
     */
    public WalChecksum update(byte[] b, int off, int len) {
        if ((len & 7) != 0 || off < 0 || len < 0 || off + len > b.length) {
            throw new IllegalArgumentException("checksum range must be in bounds and a multiple of 8 bytes: " + len);
        }
        int a = s0;
        int c = s1;
        int end = off + len;
        // Two loops so each VarHandle call site stays a constant the JIT can turn into a plain load.
        if (bigEndian) {
            for (int i = off; i < end; i += 8) {
                a += (int) BIG.get(b, i) + c;
                c += (int) BIG.get(b, i + 4) + a;
            }
        } else {
            for (int i = off; i < end; i += 8) {
                a += (int) LITTLE.get(b, i) + c;
                c += (int) LITTLE.get(b, i + 4) + a;
            }
        }
        s0 = a;
        s1 = c;
        return this;
    }

    /** Resets the running state, e.g. to replay a frame chain from a saved position. */
    public void reset(int s0, int s1) {
        this.s0 = s0;
        this.s1 = s1;
    }

    public boolean matches(int checksum1, int checksum2) {
        return s0 == checksum1 && s1 == checksum2;
    }

    public int s0() {
        return s0;
    }

    public int s1() {
        return s1;
    }

    public boolean bigEndian() {
        return bigEndian;
    }
}
