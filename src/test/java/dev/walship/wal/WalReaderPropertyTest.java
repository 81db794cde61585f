package dev.walship.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.fuzz.Fuzz;
import dev.walship.fuzz.Mutate;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any byte string as a WAL: {@link WalReader} must agree with {@link WalModel} (a plain re-reading of the format)
 * on the header verdict, every committed transaction, the end position and the stop reason; pass 2 must deliver
 * exactly the frames in the file; a scan resumed after any commit must find the rest; and the only exceptions are
 * WalException / EmptyWalException naming the file. Replaces the old WalMutationTest, whose prefix rule is kept.
 */
class WalReaderPropertyTest {
    static final int TRIES = 1000;

    @TempDir
    Path tmp;
    byte[] real;
    List<CommittedTxn> realTxns;

    @BeforeEach
    void fixture() throws IOException {
        real = Files.readAllBytes(WalTestFiles.fixture(tmp, "valid/wal"));
        realTxns = WalTestFiles.scanAll(real, tmp).txns();
    }

    @Test
    void readerAgreesWithTheModelOnAnyBytes() {
        Map<String, Integer> seen = Fuzz.run(property(20240601L, TRIES));
        // the generators must reach every verdict, or the property proves little (the empty file is a fixture)
        for (String outcome : List.of("bad-header", "scan:END_OF_FILE", "scan:SALT_MISMATCH",
                "scan:CHECKSUM_MISMATCH", "scan:TORN_FRAME", "prefix-of-real")) {
            assertTrue(seen.getOrDefault(outcome, 0) > 0, outcome + " never reached: " + seen);
        }
    }

    /**
     * One input; {@code resealed} when checksums were recomputed after the damage, so that the damaged frames
     * are valid and may legitimately differ from the real WAL's.
     */
    record Case(byte[] wal, boolean resealed) {
    }

    Fuzz.Property<Case> property(long seed, int tries) {
        return Fuzz.property("wal", seed, tries, this::generate, Case::wal, c -> check(c.wal(), c.resealed()));
    }

    /** What the reader must make of {@code wal}; returns the verdict. */
    String check(byte[] wal, boolean resealed) throws IOException {
        Path f = tmp.resolve("fuzz.wal");
        Files.write(f, wal);
        String source = f.toString();
        WalModel.Header expected = WalModel.header(wal);
        try (FileChannel ch = WalTestFiles.open(f)) {
            if (wal.length == 0) {
                assertNamed(source, assertThrows(EmptyWalException.class, () -> WalReader.readHeader(ch, source)));
                return "empty";
            }
            if (expected == null) {
                assertNamed(source, assertThrows(WalException.class, () -> WalReader.readHeader(ch, source)));
                assertNamed(source, assertThrows(WalException.class,
                        () -> WalReader.scan(ch, new WalPosition(1, 2, 0, 4096, 0, 0, 0, false), source)));
                return "bad-header";
            }
            WalHeader h = WalReader.readHeader(ch, source);
            WalPosition start = WalPosition.start(h);
            WalModel model = WalModel.read(wal, start);
            WalScan scan = WalReader.scan(ch, start, source);
            assertEquals(model.scan(h), scan, "pass 1");
            WalTestFiles.Delivered got = new WalTestFiles.Delivered();
            WalPosition after = WalReader.readFrames(ch, start, scan.end().frame(), got.consumer(), source);
            assertEquals(scan.end(), after, "pass 2 ends where pass 1 did");
            for (int i = 0; i < got.index().size(); i++) {
                int off = (int) start.frameOffset(i + 1);
                assertEquals(i + 1, got.index().get(i));
                assertEquals(WalBytes.getInt(wal, off), got.pgno().get(i), "pgno of frame " + (i + 1));
                assertEquals(WalBytes.getInt(wal, off + 4), got.commit().get(i), "commit of frame " + (i + 1));
                assertArrayEquals(java.util.Arrays.copyOfRange(wal, off + 24, off + 24 + h.pageSize()),
                        got.pages().get(i), "page of frame " + (i + 1));
            }
            assertEquals(scan.end().frame(), got.index().size());
            if (!scan.txns().isEmpty()) {
                // resuming from any commit finds exactly the transactions after it
                int k = (int) (Integer.toUnsignedLong(java.util.Arrays.hashCode(wal)) % scan.txns().size());
                WalScan rest = WalReader.scan(ch, model.commits().get(k), source);
                assertEquals(scan.txns().subList(k + 1, scan.txns().size()), rest.txns(), "resumed after txn " + k);
                assertEquals(scan.end(), rest.end());
                assertEquals(scan.stop(), rest.stop());
            }
            if (!resealed && h.equals(WalModel.header(real).parsed())) {
                // damage to the real WAL can only hide transactions, never invent or alter one
                int n = scan.txns().size();
                assertTrue(n <= realTxns.size() && realTxns.subList(0, n).equals(scan.txns()), "prefix of the real WAL");
                if (scan.stop() != WalScan.StopReason.END_OF_FILE || n < realTxns.size()) return "prefix-of-real";
            }
            return "scan:" + scan.stop();
        }
    }

    private static void assertNamed(String source, WalException e) {
        assertTrue(e.getMessage().contains(source), "the error names the file: " + e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
    }

    Case generate(Random rnd) {
        return switch (rnd.nextInt(10)) {
            case 0, 1, 2 -> new Case(Mutate.bytes(real, rnd), false);
            case 3 -> new Case(reseal(Mutate.bytes(real, rnd), WalBytes.getInt(real, 0) == WalHeader.MAGIC_BIG_ENDIAN),
                    true);
            case 4 -> new Case(Fuzz.randomBytes(rnd, 4096), true);
            case 5 -> new Case(withValidHeader(Fuzz.randomBytes(rnd, 8192), rnd), true);
            default -> new Case(synthetic(rnd), true);
        };
    }

    /** A WAL built frame by frame, then perhaps damaged, with checksums recomputed or not. */
    static byte[] synthetic(Random rnd) {
        boolean big = rnd.nextBoolean();
        boolean huge = rnd.nextInt(50) == 0; // crosses FrameCursor's 1 MiB chunk
        int pageSize = huge ? 512 : 512 << rnd.nextInt(4);
        int salt1 = rnd.nextInt(3);
        int salt2 = rnd.nextInt();
        int n = huge ? FrameCursor.CHUNK_BYTES / (24 + 512) - 2 + rnd.nextInt(5) : rnd.nextInt(12);
        List<WalBytes.Frame> frames = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int pgno = rnd.nextInt(20) == 0 ? (rnd.nextBoolean() ? 0 : -1 - rnd.nextInt(3)) : 1 + rnd.nextInt(8);
            int commit = rnd.nextInt(3) == 0 ? (rnd.nextInt(10) == 0 ? -1 : 1 + rnd.nextInt(8)) : 0;
            frames.add(new WalBytes.Frame(pgno, commit, (byte) rnd.nextInt(256)));
        }
        byte[] wal = WalBytes.build(pageSize, big, salt1, salt2, frames);
        switch (rnd.nextInt(5)) {
            case 0: // a stale frame of an older generation in the middle, as after a RESTART checkpoint
                if (n > 1) {
                    int off = WalBytes.frameOffset(wal, 1 + rnd.nextInt(n));
                    WalBytes.putInt(wal, off + 8, salt1 + 1);
                }
                return WalBytes.rechecksum(wal, big);
            case 1:
                return Mutate.bytes(wal, rnd);
            case 2:
                return reseal(Mutate.bytes(wal, rnd), big);
            default:
                return wal;
        }
    }

    /** Recomputes the checksums after damage where the result still has a header and a usable page size. */
    static byte[] reseal(byte[] wal, boolean big) {
        return wal.length >= 32 && WalHeader.validPageSize(WalBytes.getInt(wal, 8)) ? WalBytes.rechecksum(wal, big) : wal;
    }

    /** Random frames after a header that passes every check, so the frame checks are what gets exercised. */
    static byte[] withValidHeader(byte[] tail, Random rnd) {
        byte[] wal = new byte[32 + tail.length];
        System.arraycopy(tail, 0, wal, 32, tail.length);
        boolean big = rnd.nextBoolean();
        WalBytes.putInt(wal, 4, WalHeader.FORMAT_VERSION);
        WalBytes.putInt(wal, 8, 512 << rnd.nextInt(2));
        WalBytes.putInt(wal, 16, rnd.nextInt());
        WalBytes.putInt(wal, 20, rnd.nextInt());
        // rechecksum also seals every frame whose salts happen to match: with random tails, none or the first
        byte[] sealed = WalBytes.rechecksum(wal, big);
        if (rnd.nextBoolean() && tail.length >= 16) {
            // frames that carry the header's salts, so the checksum check runs on random content
            for (int off = 32; off + 24 <= sealed.length; off += 24 + WalBytes.getInt(sealed, 8)) {
                System.arraycopy(sealed, 16, sealed, off + 8, 8);
            }
        }
        return sealed;
    }
}
