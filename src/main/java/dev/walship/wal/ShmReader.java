package dev.walship.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Parses the wal-index header at the start of a SQLite {@code -shm} file (layout from
 * https://www.sqlite.org/walformat.html) into an {@link ShmInfo} hint.
 *
 * <p>No locks are taken and the result may be stale or torn; {@link ShmInfo#stable()} reports
 * the obvious torn case. The caller owns the channel: closing a descriptor of the -shm file drops
 * this process's POSIX locks on it, so keep it open as long as any SQLite connection in this
 * process uses the database.
 */
public final class ShmReader {
    /** Two 48-byte WalIndexHdr copies plus the 40-byte WalCkptInfo. */
    static final int HEADER_BYTES = 136;
    private static final int HDR = 48;
    private static final int READ_MARKS = 5;

    private ShmReader() {
    }

    /** Reads the header; empty when the file is shorter than 136 bytes (not initialised yet). */
    public static Optional<ShmInfo> read(FileChannel shm) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES);
        while (b.hasRemaining() && shm.read(b, b.position()) > 0) {
            // positional reads: the channel may be shared
        }
        if (b.hasRemaining()) {
            return Optional.empty();
        }
        return Optional.of(parse(b.array()));
    }

    /** Parses 136 bytes of -shm header. */
    static ShmInfo parse(byte[] raw) {
        // The wal-index lives only in shared memory, so SQLite writes it in host byte order.
        ByteBuffer n = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        // Except the salts: SQLite copies them byte-for-byte from the big-endian WAL header.
        ByteBuffer be = ByteBuffer.wrap(raw).order(ByteOrder.BIG_ENDIAN);
        boolean copiesEqual = Arrays.equals(raw, 0, HDR, raw, HDR, 2 * HDR);
        boolean init = raw[12] != 0;
        // The header checksum covers its first 40 bytes as native-order words.
        boolean nativeBig = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;
        WalChecksum ck = new WalChecksum(nativeBig, 0, 0).update(raw, 0, 40);
        boolean checksumOk = ck.matches(n.getInt(40), n.getInt(44));
        int szPage = Short.toUnsignedInt(n.getShort(14));
        int pageSize = (szPage & 0xfe00) + ((szPage & 0x0001) << 16);
        List<Long> marks = new ArrayList<>(READ_MARKS);
        for (int i = 0; i < READ_MARKS; i++) {
            marks.add(Integer.toUnsignedLong(n.getInt(100 + 4 * i)));
        }
        return new ShmInfo(
                n.getInt(0),
                Integer.toUnsignedLong(n.getInt(8)),
                init,
                raw[13] != 0,
                pageSize,
                Integer.toUnsignedLong(n.getInt(16)),
                Integer.toUnsignedLong(n.getInt(20)),
                n.getInt(24),
                n.getInt(28),
                be.getInt(32),
                be.getInt(36),
                n.getInt(40),
                n.getInt(44),
                Integer.toUnsignedLong(n.getInt(96)),
                marks,
                Integer.toUnsignedLong(n.getInt(128)),
                copiesEqual && init && checksumOk);
    }
}
