package dev.walship.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Client-side encryption through the CLI: replicate with a key, restore only with that key. */
@Timeout(120)
class EncryptedReplicaE2ETest {
    @TempDir
    Path dir;

    @Test
    void encryptedReplicaRestoresOnlyWithItsKey() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("backup");
        Path key = dir.resolve("key.hex");
        Path wrong = dir.resolve("wrong.hex");
        Files.writeString(key, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
        Files.writeString(wrong, "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n");
        String last;
        try (Writer w = new Writer(db);
             WalshipProcess ws = WalshipProcess.start(db, replica, "--encryption-key-file", key.toString())) {
            w.run("--count", "1");
            ws.awaitReplicating(30_000);
            w.run("--count", "120", "--sleep-ms", "3");
            E2E.sleep(500);
            assertEquals(0, ws.term(), () -> E2E.tail(ws.log, 20));
            last = w.last().checksum();
        }
        // Nothing readable is stored: no SQLite header in any data file.
        try (Stream<Path> files = Files.walk(replica)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".seg") || p.toString().endsWith(".snap")).toList()) {
                assertFalse(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1)
                        .contains("SQLite format 3"), f + " holds plaintext");
            }
        }
        Path out = dir.resolve("restored.db");
        RestoreCheck.Result noKey = RestoreCheck.cli("restore", "--replica", replica.toString(), "-o", out.toString(), "-q");
        assertTrue(noKey.code() != 0 && noKey.err().contains("--encryption-key-file"), noKey::toString);
        RestoreCheck.Result badKey = RestoreCheck.cli("restore", "--replica", replica.toString(), "-o", out.toString(),
                "-q", "--encryption-key-file", wrong.toString());
        assertTrue(badKey.code() != 0 && badKey.err().contains("different key"), badKey::toString);
        assertFalse(Files.exists(out), "no output without the right key");
        RestoreCheck.Result ok = RestoreCheck.cli("restore", "--replica", replica.toString(), "-o", out.toString(),
                "-q", "--encryption-key-file", key.toString());
        assertEquals(0, ok.code(), ok::toString);
        assertEquals(last, E2E.check(out).checksum(), "restored content");
        assertFalse(ok.err().contains("0011223344"), "key material is never printed");
    }
}
