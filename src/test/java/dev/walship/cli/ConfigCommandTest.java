package dev.walship.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code walship config}: the effective configuration with secrets redacted, or every problem and exit 2. */
class ConfigCommandTest {
    private static final String TOKEN = "s3cr3t-admin-token-0123456789";
    private static final String AWS_SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";

    @TempDir
    Path dir;

    private String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new String[] {Integer.toString(exit), out.toString(), err.toString()};
    }

    @Test
    void printsEveryDefaultAndNeverASecret() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), TOKEN);
        Path aws = Files.writeString(dir.resolve("aws"), AWS_SECRET);
        Path keyId = Files.writeString(dir.resolve("keyid"), "AKIAEXAMPLE");
        Path yml = Files.writeString(dir.resolve("sidecar.yml"), "admin-token-file: " + token + "\nkeep-labels: 3\ndbs:\n"
                + "  - path: /data/app.db\n    replicas:\n      - type: s3\n        bucket: my-backups\n"
                + "        access-key-id-file: " + keyId + "\n        secret-access-key-file: " + aws + "\n");
        String[] r = run("config", "--config", yml.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("keep-labels: 3") || r[1].contains("keep-labels: '3'") || r[1].contains("keep-labels: \"3\""), r[1]);
        assertTrue(r[1].contains("sync-interval: 1s") && r[1].contains("<redacted>"), r[1]);
        assertFalse(r[1].contains(TOKEN) || r[1].contains(AWS_SECRET), "no secret in the dump:\n" + r[1]);
    }

    @Test
    void anInvalidConfigListsEveryProblemAndExits2() throws Exception {
        Path yml = Files.writeString(dir.resolve("sidecar.yml"), "keep-labels: many\nsync-intervall: 1s\ndbs: []\n");
        String[] r = run("config", "--config", yml.toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("keep-labels") && r[2].contains("sync-intervall") && r[2].contains("dbs"), r[2]);
        assertEquals("", r[1]);
    }
}
