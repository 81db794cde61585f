package dev.walship.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/**
 * Re-makes the corrupt-WAL fixtures under src/test/resources/wal (see the README there).
 *
 * <p>Run from the project root after compiling tests:
 * {@code java -cp target/classes:target/test-classes dev.walship.wal.WalFixtureGenerator src/test/resources/wal}.
 * Each case gets its {@code wal} file and a {@code case.properties} naming the damaged frame.
 */
public final class WalFixtureGenerator {
    private WalFixtureGenerator() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "src/test/resources/wal");
        Path tmp = Files.createTempDirectory("walfix");
        // Page size 1024, CREATE TABLE + 4 transactions of 3 rows: 5 commits, most spanning 2+ frames.
        PyWal w = PyWal.write(tmp, 1024, 4, 3, 300, false);
        byte[] valid = Files.readAllBytes(w.wal());
        WalScan scan;
        try (FileChannel ch = FileChannel.open(w.wal(), StandardOpenOption.READ)) {
            scan = WalReader.scan(ch, WalPosition.start(WalReader.readHeader(ch, "valid")), "valid");
        }
        if (scan.txns().size() != 5 || scan.txns().get(3).frameCount() < 2) {
            throw new IllegalStateException("unexpected base WAL shape: " + scan);
        }
        write(out, "valid", valid, 0);

        // bad-salt: the first frame of the 3rd transaction carries a different salt-1.
        long saltFrame = scan.txns().get(2).firstFrame();
        byte[] badSalt = valid.clone();
        int p = WalBytes.frameOffset(valid, saltFrame);
        WalBytes.putInt(badSalt, p + 8, WalBytes.getInt(valid, p + 8) + 1);
        write(out, "bad-salt", badSalt, saltFrame);

        // bad-checksum: one flipped bit in the middle of the page of the 2nd frame of the 4th transaction.
        long ckFrame = scan.txns().get(3).firstFrame() + 1;
        byte[] badCk = valid.clone();
        badCk[WalBytes.frameOffset(valid, ckFrame) + 24 + 512] ^= 0x10;
        write(out, "bad-checksum", badCk, ckFrame);

        // torn-last-frame: the file ends 100 bytes into the last (commit) frame.
        long last = scan.end().frame();
        byte[] torn = java.util.Arrays.copyOf(valid, WalBytes.frameOffset(valid, last) + 100);
        write(out, "torn-last-frame", torn, last);

        // bad-header-checksum: checkpoint sequence changed without updating the header checksum.
        byte[] badHdr = java.util.Arrays.copyOf(valid, 32 + 2 * WalBytes.frameSize(valid));
        WalBytes.putInt(badHdr, 12, WalBytes.getInt(valid, 12) + 1);
        write(out, "bad-header-checksum", badHdr, 0);

        // not-a-wal: 4 KiB of seeded random bytes.
        byte[] junk = new byte[4096];
        new Random(42).nextBytes(junk);
        write(out, "not-a-wal", junk, 0);
        System.out.println("fixtures written to " + out.toAbsolutePath());
    }

    private static void write(Path out, String name, byte[] wal, long frame) throws IOException {
        Path dir = Files.createDirectories(out.resolve(name));
        Files.write(dir.resolve("wal"), wal);
        // Plain text rather than Properties.store, whose timestamp would change on every re-make.
        Files.writeString(dir.resolve("case.properties"), "# damaged frame (0 = none, or the header)\nframe=" + frame + "\n");
    }
}
