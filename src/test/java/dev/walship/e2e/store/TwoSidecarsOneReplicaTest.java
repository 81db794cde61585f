package dev.walship.e2e.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.walship.e2e.E2E;
import dev.walship.e2e.RestoreCheck;
import dev.walship.e2e.WalshipProcess;
import dev.walship.e2e.Writer;
import dev.walship.replica.s3.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A second sidecar pointed at the same S3 replica (another spool directory: an overlapping deploy, a copied config)
 * is refused within seconds with one clear line, and the first one keeps replicating undisturbed.
 */
@Timeout(150)
class TwoSidecarsOneReplicaTest {
    static final String BUCKET = "walship-two";
    static final String PREFIX = "shared/app";

    @TempDir
    Path dir;

    @Test
    void secondSidecarOnTheSameReplicaIsRefused() throws Exception {
        try (S3ProxyServer s3 = S3ProxyServer.start(dir.resolve("s3proxy"));
             S3Client admin = s3.admin()) {
            admin.createBucket(b -> b.bucket(BUCKET));
            String url = s3.url(BUCKET, PREFIX);
            Map<String, String> env = S3ProxyServer.environment();
            Path db = dir.resolve("app.db");
            Path spoolA = dir.resolve("spool-a");
            Path spoolB = dir.resolve("spool-b");
            try (Writer w = new Writer(db);
                 WalshipProcess first = WalshipProcess.start(db, url, env, dir.resolve("walship-1.log"),
                         "--spool-dir", spoolA.toString())) {
                w.run("--count", "1");
                first.awaitReplicating(60_000);
                // long enough to outlast the refused sidecar's JVM start and exit even on a loaded machine
                w.start("--duration", "20", "--sleep-ms", "5");
                E2E.sleep(1_500);

                long t0 = System.currentTimeMillis();
                int code;
                List<String> secondLines;
                try (WalshipProcess second = WalshipProcess.start(db, url, env, dir.resolve("walship-2.log"),
                        "--spool-dir", spoolB.toString())) {
                    code = second.waitFor(30_000);
                    secondLines = E2E.lines(second.output()).stream().filter(l -> !l.startsWith("=== ")).toList();
                }
                long took = System.currentTimeMillis() - t0;
                assertNotEquals(0, code, () -> "the second sidecar must fail: " + secondLines);
                assertTrue(took < 15_000, "the second sidecar took " + took + " ms to give up (JVM start included)");
                List<String> inUse = secondLines.stream().filter(l -> l.contains("in use by another walship")).toList();
                assertEquals(1, inUse.size(), () -> "expected one 'in use by another walship' line: " + secondLines);
                String line = inUse.get(0);
                assertTrue(line.contains("s3://" + BUCKET + "/" + PREFIX), () -> "the line should name the replica: " + line);
                assertTrue(line.contains("stop that sidecar"), () -> "the line should say what to do: " + line);
                assertEquals(1, secondLines.size(), () -> "the refusal should be one line: " + secondLines);
                assertFalse(String.join("\n", secondLines).contains(S3ProxyServer.CREDENTIAL));
                assertEquals(List.of(), listing(spoolB.resolve("pending")), "the refused sidecar spooled data");

                // the first still holds the lease and keeps replicating
                JsonNode lease = new ObjectMapper().readTree(admin.getObjectAsBytes(
                        b -> b.bucket(BUCKET).key(PREFIX + "/lease.json")).asByteArray());
                assertEquals(Files.readString(spoolA.resolve("owner-id")).trim(), lease.path("owner").asText(),
                        () -> "the lease changed hands: " + lease);
                assertTrue(first.isAlive(), () -> "the first sidecar died:\n" + E2E.tail(first.log, 30));
                int commitsAtRefusal = w.commits().size();
                w.await(60_000);
                assertTrue(w.commits().size() > commitsAtRefusal + 100, "the writer barely wrote after the refusal");
                E2E.sleep(1_000);
                assertTrue(first.isAlive(), () -> "the first sidecar died:\n" + E2E.tail(first.log, 30));
                assertEquals(0, first.term(), () -> "SIGTERM must end walship with exit 0:\n" + E2E.tail(first.log, 30));
                String log = first.output();
                assertFalse(log.contains("lease lost") || log.contains("took over") || log.contains(" ERROR "),
                        () -> "the first sidecar was disturbed:\n" + log);

                RestoreCheck.childProcess(url, env, dir.resolve("restores")).assertLatest(w);
            }
        }
    }

    private static List<String> listing(Path d) throws java.io.IOException {
        if (!Files.isDirectory(d)) return List.of();
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }
}
