package dev.walship.e2e.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.e2e.E2E;
import dev.walship.e2e.RestoreCheck;
import dev.walship.e2e.WalshipProcess;
import dev.walship.e2e.Writer;
import dev.walship.replica.gcs.FakeGcsServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * walship (a child process) replicates a live writer to Google Cloud Storage (the in-JVM JSON-API test server, no
 * credentials with an endpoint) while the server misbehaves: 503s, a dropped connection, a slow answer, and writes
 * that landed but whose answer was lost. The latest restore through the gs:// URL is exact.
 */
@Timeout(150)
class GcsEndToEndTest {
    static final String BUCKET = "walship-gcs-e2e";
    static final String PREFIX = "apps/app";

    @TempDir
    Path dir;

    @Test
    void replicatesToGcsThroughInjectedFaults() throws Exception {
        try (FakeGcsServer gcs = FakeGcsServer.start()) {
            gcs.createBucket(BUCKET);
            String url = "gs://" + BUCKET + "/" + PREFIX + "?endpoint=" + gcs.endpoint();
            Map<String, String> env = Map.of();
            Path db = dir.resolve("app.db");
            try (Writer w = new Writer(db);
                 WalshipProcess ws = WalshipProcess.start(db, url, env, dir.resolve("walship.log"))) {
                w.run("--count", "1");
                ws.awaitReplicating(60_000);
                // the writer writes until every fault was consumed, so each one hits a busy uploader
                Path stop = dir.resolve("stop-writer");
                w.start("--stop-file", stop.toString(), "--sleep-ms", "5", "--blob", "600");
                E2E.sleep(2_000);
                long t0 = System.currentTimeMillis();
                gcs.failNext(3, 503);                       // the client library retries these with backoff
                awaitRequests(gcs, 3);
                E2E.sleep(500);
                gcs.dropNext(1);                            // connection closed without an answer
                awaitRequests(gcs, 1);
                E2E.sleep(500);
                gcs.delayNext(1, Duration.ofSeconds(2));    // a slow answer
                awaitRequests(gcs, 1);
                E2E.sleep(2_500);
                gcs.dropAnswerNext(2);                      // the write landed, its answer was lost
                awaitRequests(gcs, 2);
                E2E.sleep(1_000);
                long faultsMs = System.currentTimeMillis() - t0;
                Files.createFile(stop);
                w.await(60_000);
                assertTrue(ws.isAlive(), () -> "walship died under injected faults:\n" + E2E.tail(ws.log, 30));
                // the faults put the uploader behind; it must catch up while running (SIGTERM only waits 10 s)
                long t1 = System.currentTimeMillis();
                List<String> missing = List.of();
                while (System.currentTimeMillis() < t1 + 45_000) {
                    assertTrue(ws.isAlive(), () -> "walship died while catching up:\n" + E2E.tail(ws.log, 30));
                    missing = ws.spooled().stream().filter(f -> gcs.object(BUCKET, PREFIX + "/" + f).isEmpty()).toList();
                    if (missing.isEmpty()) break;
                    E2E.sleep(250);
                }
                List<String> stillMissing = missing;
                assertEquals(List.of(), stillMissing, () -> "walship did not upload its spool within 45 s after the faults:\n"
                        + E2E.tail(ws.log, 20));
                long catchUpMs = System.currentTimeMillis() - t1;
                assertEquals(0, ws.term(), () -> "SIGTERM must end walship with exit 0:\n" + E2E.tail(ws.log, 30));
                System.out.println("faults injected and consumed in " + faultsMs + " ms; caught up " + catchUpMs
                        + " ms after the writer stopped; " + gcs.requests().size() + " requests in all");

                String log = ws.output();
                assertFalse(log.contains("lease lost") || log.contains("took over"),
                        () -> "a lost answer or a retry made walship give up its own lease:\n" + log);
                assertFalse(log.contains(" ERROR "), () -> "errors logged:\n" + log);
                assertEquals(List.of(), gcs.unknownRequests(), "walship sent requests the test server does not know");
                assertTrue(gcs.object(BUCKET, PREFIX + "/walship-replica.json").isPresent(), "no manifest in the bucket");
                int commits = w.commits().size();
                assertTrue(commits > 200, "writer made only " + commits + " commits");

                RestoreCheck rc = RestoreCheck.childProcess(url, env, dir.resolve("restores"));
                rc.assertLatest(w);
                RestoreCheck.Window win = rc.window();
                assertTrue(win.latestTxid() >= win.earliestTxid() + commits - 2,
                        () -> "window " + win + " does not cover " + commits + " commits");
            }
        }
    }

    /** Waits until {@code n} more requests arrived (the injected faults were consumed by walship's requests). */
    private static void awaitRequests(FakeGcsServer gcs, int n) throws IOException {
        int target = gcs.requests().size() + n;
        long deadline = System.currentTimeMillis() + 20_000;
        while (gcs.requests().size() < target) {
            if (System.currentTimeMillis() > deadline) throw new IOException("walship sent no requests for 20 s");
            E2E.sleep(20);
        }
    }
}
