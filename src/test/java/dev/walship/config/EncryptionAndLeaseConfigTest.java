package dev.walship.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** encryption-key (usually from encryption-key-file, a Docker secret) and wait-for-lease. */
class EncryptionAndLeaseConfigTest {
    @TempDir
    Path dir;

    private static final String HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    @Test
    void keyFromASecretFileIsParsedAndNeverShown() throws Exception {
        Path key = dir.resolve("walship-key");
        Files.writeString(key, HEX + "\n");
        Path yml = dir.resolve("sidecar.yml");
        Files.writeString(yml, "dbs:\n  - path: /data/app.db\n    replicas: [/backups/app]\n"
                + "    encryption-key-file: " + key + "\n    wait-for-lease: true\n");
        SidecarConfig c = ConfigLoader.load(yml, Map.of());
        DbConfig db = c.dbs().get(0);
        assertArrayEquals(HexFormat.of().parseHex(HEX), db.encryptionKey().bytes());
        assertTrue(db.waitForLease());
        assertFalse(c.describe().contains("00112233"), c.describe());
        assertFalse(db.toString().contains("00112233"), "record toString must not show the key");
    }

    @Test
    void aMalformedKeyIsOneProblemThatDoesNotEchoIt() throws Exception {
        Path yml = dir.resolve("sidecar.yml");
        Files.writeString(yml, "dbs:\n  - path: /data/app.db\n    replicas: [/backups/app]\n"
                + "    encryption-key: not-a-key-deadbeef\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(yml, Map.of()));
        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("dbs[0].encryption-key") && e.getMessage().contains("openssl rand -hex 32"),
                e.getMessage());
        assertFalse(e.getMessage().contains("deadbeef"), "the bad value is a secret too");
    }

    @Test
    void defaultsAreNoEncryptionAndNoWaiting() throws Exception {
        DbConfig db = ConfigLoader.fromFlags(Path.of("/data/app.db"), java.util.List.of("/backups/app"), Map.of()).dbs().get(0);
        assertNull(db.encryptionKey());
        assertFalse(db.waitForLease());
    }
}
