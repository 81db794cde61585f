package dev.walship.e2e.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.walship.e2e.E2E;
import dev.walship.e2e.RestoreCheck;
import dev.walship.e2e.WalshipProcess;
import dev.walship.e2e.Writer;
import dev.walship.replica.s3.S3ProxyServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * walship replicates a live python writer to S3 (S3Proxy with SigV4, a separate process; credentials only from the
 * child's environment); the latest restore and restores at instants across the run are exact.
 */
@Timeout(150)
class S3EndToEndTest {
    static final String BUCKET = "walship-e2e";
    static final String PREFIX = "apps/app";

    @TempDir
    Path dir;

    @Test
    void replicatesALiveRunToS3AndRestoresAnyInstant() throws Exception {
        try (S3ProxyServer s3 = S3ProxyServer.start(dir.resolve("s3proxy"));
             S3Client admin = s3.admin()) {
            admin.createBucket(b -> b.bucket(BUCKET));
            String url = s3.url(BUCKET, PREFIX);
            Map<String, String> env = S3ProxyServer.environment();
            Path db = dir.resolve("app.db");
            try (Writer w = new Writer(db);
                 WalshipProcess ws = WalshipProcess.start(db, url, env, dir.resolve("walship.log"))) {
                w.run("--count", "1");
                ws.awaitReplicating(60_000);
                w.run("--duration", "8", "--sleep-ms", "5", "--schema-every", "400", "--blob", "600");
                E2E.sleep(1_000);
                assertEquals(0, ws.term(), () -> "SIGTERM must end walship with exit 0:\n" + E2E.tail(ws.log, 30));

                String log = ws.output();
                assertFalse(log.contains(S3ProxyServer.CREDENTIAL), "walship printed the secret key:\n" + log);
                assertFalse(log.contains("replica unavailable"), () -> "a healthy store was reported unavailable:\n" + log);
                assertTrue(log.contains("replicas=[s3://" + BUCKET + "/" + PREFIX),
                        () -> "the start line should name the s3 replica:\n" + log);

                List<Writer.Commit> commits = w.commits();
                assertTrue(commits.size() > 200, "writer made only " + commits.size() + " commits");

                // what walship left in the bucket: the layout of FORMAT.md, and a released lease
                Set<String> objects = S3ProxyServer.objects(admin, BUCKET, PREFIX);
                assertTrue(objects.contains("walship-replica.json"), () -> "no manifest in " + objects);
                assertTrue(objects.stream().anyMatch(o -> o.startsWith("snapshots/")), () -> "no snapshot in " + objects);
                assertTrue(objects.stream().filter(o -> o.startsWith("L0/")).count() > 20, () -> "few L0 files: " + objects);
                JsonNode lease = new ObjectMapper().readTree(admin.getObjectAsBytes(
                        b -> b.bucket(BUCKET).key(PREFIX + "/lease.json")).asByteArray());
                assertTrue(lease.path("expires").asLong() <= System.currentTimeMillis(),
                        () -> "a clean shutdown should release the lease: " + lease);

                RestoreCheck rc = RestoreCheck.childProcess(url, env, dir.resolve("restores"));
                rc.assertLatest(w);

                RestoreCheck.Window win = rc.window();
                assertTrue(win.latestTxid() >= win.earliestTxid() + commits.size() - 2,
                        () -> "window " + win + " does not cover " + commits.size() + " commits");
                assertTrue(win.latestTime() >= w.last().before(), "window ends before the last commit: " + win);
                // 6 instants spread over the run, plus 2 right after commit boundaries
                List<Long> instants = new ArrayList<>(win.spread(6));
                Random rnd = new Random(5);
                for (int i = 0; i < 2; i++) {
                    Writer.Commit k = commits.get(2 + rnd.nextInt(commits.size() - 2));
                    instants.add(Math.max(win.earliestTime(), k.after() + rnd.nextInt(3)));
                }
                rc.assertAtTimes(commits, instants, t -> true, 3);
            }
        }
    }
}
