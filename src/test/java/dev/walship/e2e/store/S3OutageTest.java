package dev.walship.e2e.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.walship.e2e.E2E;
import dev.walship.e2e.RestoreCheck;
import dev.walship.e2e.WalshipProcess;
import dev.walship.e2e.Writer;
import dev.walship.replica.s3.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3 store goes away (S3Proxy killed) for 15 s while the app writes, then comes back on the same port with
 * the same data. walship keeps running with a bounded WAL, says once that the replica is unavailable, keeps the
 * new files in its spool, uploads them when the store answers again, and the replica ends up exact.
 */
@Timeout(150)
class S3OutageTest {
    static final String BUCKET = "walship-outage";
    static final String PREFIX = "app";
    static final long OUTAGE_MS = 15_000;
    /** walship checkpoints at 200 frames (~800 KiB with 4 KiB pages); SQLite's own auto-checkpoint is at ~4 MiB. */
    static final long WAL_BOUND = 3L * 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void survivesAStoreOutageAndCatchesUp() throws Exception {
        Path s3dir = dir.resolve("s3proxy");
        Map<String, String> env = S3ProxyServer.environment();
        Path db = dir.resolve("app.db");
        Path wal = dir.resolve("app.db-wal");
        S3ProxyServer s3 = S3ProxyServer.start(s3dir);
        try (Writer w = new Writer(db)) {
            String url = s3.url(BUCKET, PREFIX);
            try (S3Client admin = s3.admin()) {
                admin.createBucket(b -> b.bucket(BUCKET));
            }
            try (WalshipProcess ws = WalshipProcess.start(db, url, env, dir.resolve("walship.log"))) {
                w.run("--count", "1");
                ws.awaitReplicating(60_000);
                w.start("--duration", "27", "--sleep-ms", "5", "--blob", "600");
                E2E.sleep(4_000);

                // ---- outage ----
                int spooledBefore = ws.spooled().size();
                int commitsBefore = w.commits().size();
                s3.kill();
                long walMax = 0;
                long outageEnd = System.currentTimeMillis() + OUTAGE_MS;
                while (System.currentTimeMillis() < outageEnd) {
                    assertTrue(ws.isAlive(), () -> "walship died during the store outage:\n" + E2E.tail(ws.log, 30));
                    if (Files.exists(wal)) walMax = Math.max(walMax, Files.size(wal));
                    E2E.sleep(200);
                }
                int spooledDuring = ws.spooled().size();
                int commitsDuring = w.commits().size() - commitsBefore;
                long warningsDuring = ws.count("replica unavailable");
                assertTrue(w.isAlive(), "the writer should still be writing");
                assertTrue(commitsDuring > 300, "the app wrote only " + commitsDuring + " commits during the outage");
                assertTrue(walMax < WAL_BOUND, "WAL grew to " + walMax + " bytes during the outage (bound " + WAL_BOUND
                        + "): a replica outage must not stall walship's checkpoints");
                assertTrue(spooledDuring >= spooledBefore + 20, "the spool should hold the outage's files: "
                        + spooledBefore + " before, " + spooledDuring + " at the end of the outage");
                assertTrue(warningsDuring >= 1, () -> "walship never said the replica is unavailable:\n"
                        + E2E.tail(ws.log, 30));

                // ---- the store comes back: same port, same data ----
                s3 = S3ProxyServer.start(s3dir, s3.port);
                long back = System.currentTimeMillis();
                w.await(60_000);
                try (S3Client admin = s3.admin()) {
                    awaitUploaded(ws, admin, 45_000);
                }
                long caughtUp = System.currentTimeMillis() - back;
                assertTrue(ws.isAlive(), () -> "walship died after the outage:\n" + E2E.tail(ws.log, 30));
                assertEquals(0, ws.term(), () -> "SIGTERM must end walship with exit 0:\n" + E2E.tail(ws.log, 30));

                String log = ws.output();
                List<String> warnings = log.lines().filter(l -> l.contains("replica unavailable")).toList();
                System.out.println("outage: WAL max " + walMax + " bytes, spool " + spooledBefore + " -> " + spooledDuring
                        + " files, whole spool in the bucket " + caughtUp + " ms after the store came back (the writer ran for part of it), " + warnings.size()
                        + " 'replica unavailable' lines:\n" + String.join("\n", warnings));
                assertTrue(warnings.size() <= 3, () -> "a flood of warnings for one outage (" + warnings.size()
                        + " lines):\n" + String.join("\n", warnings));
                for (String l : warnings) {
                    assertTrue(l.contains("s3://" + BUCKET + "/" + PREFIX), () -> "the warning should name the replica: " + l);
                    assertTrue(l.contains(" WARN "), () -> "not a warning: " + l);
                }
                assertFalse(log.contains("lease lost") || log.contains("took over"),
                        () -> "walship lost its own lease over an outage:\n" + log);
                assertFalse(log.contains(S3ProxyServer.CREDENTIAL), "walship printed the secret key");
                RestoreCheck.childProcess(url, env, dir.resolve("restores")).assertLatest(w);
            }
        } finally {
            s3.close();
        }
    }

    /** Waits until every file in walship's spool is in the bucket (walship caught up while still running). */
    private static void awaitUploaded(WalshipProcess ws, S3Client admin, long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        Set<String> missing = new HashSet<>();
        while (System.currentTimeMillis() < deadline) {
            assertTrue(ws.isAlive(), () -> "walship died while catching up:\n" + E2E.tail(ws.log, 30));
            Set<String> have = S3ProxyServer.objects(admin, BUCKET, PREFIX);
            missing.clear();
            for (String f : ws.spooled()) if (!have.contains(f)) missing.add(f);
            if (missing.isEmpty()) return;
            E2E.sleep(250);
        }
        fail("walship did not upload its spool within " + timeoutMs + " ms of the store coming back; still missing "
                + missing.size() + " files, e.g. " + missing.stream().sorted().limit(3).toList() + "\n"
                + E2E.tail(ws.log, 20));
    }
}
