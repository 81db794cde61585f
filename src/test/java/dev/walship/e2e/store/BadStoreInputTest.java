package dev.walship.e2e.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.e2e.E2E;
import dev.walship.e2e.RestoreCheck;
import dev.walship.e2e.Writer;
import dev.walship.replica.gcs.FakeGcsServer;
import dev.walship.replica.s3.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Object-store mistakes, each through both `replicate` and `restore` run as child processes: a bucket that does
 * not exist, wrong credentials, an endpoint with nothing listening. Each ends with a non-zero exit and one line
 * naming the replica and the fix, never shows a secret key, and writes nothing.
 */
@Timeout(150)
class BadStoreInputTest {
    static final String BUCKET = "walship-bad";
    static final String WRONG_SECRET = "WrongSecret-e2e-9f8e7d6c5b4aZ";

    @TempDir
    static Path dir;
    static S3ProxyServer s3;
    static FakeGcsServer gcs;
    static Path db;

    @BeforeAll
    static void setUp() throws Exception {
        s3 = S3ProxyServer.start(dir.resolve("s3proxy"));
        try (S3Client admin = s3.admin()) {
            admin.createBucket(b -> b.bucket(BUCKET));
        }
        gcs = FakeGcsServer.start();
        gcs.createBucket("walship-gcs-exists");
        db = dir.resolve("app.db");
        new Writer(db).run("--count", "3");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (gcs != null) gcs.close();
        if (s3 != null) s3.close();
    }

    /** One mistake: a replica URL and the environment walship gets, and what its one line must say. */
    record Case(String name, String url, Map<String, String> env, String shownReplica, List<String> fix) {}

    @Test
    void eachMistakeIsOneLineNamingTheReplicaAndTheFix() throws Exception {
        int dead = S3ProxyServer.freePort();
        Map<String, String> good = S3ProxyServer.environment();
        Map<String, String> wrong = S3ProxyServer.environment(WRONG_SECRET);
        List<Case> cases = List.of(
                new Case("missing bucket", s3.url("no-such-bucket-e2e", "app"), good, "s3://no-such-bucket-e2e/app",
                        List.of("bucket no-such-bucket-e2e does not exist", "create it or fix the replica URL")),
                new Case("wrong secret key", s3.url(BUCKET, "creds/app"), wrong, "s3://" + BUCKET + "/creds/app",
                        List.of("check the replica's credentials")),
                new Case("nothing listening", "s3://" + BUCKET + "/dead/app?endpoint=http://127.0.0.1:" + dead
                        + "&region=us-east-1&path-style=true", good, "s3://" + BUCKET + "/dead/app",
                        List.of("http://127.0.0.1:" + dead + " does not answer", "check endpoint and network")),
                new Case("missing gcs bucket", "gs://no-such-gcs-bucket/app?endpoint=" + gcs.endpoint(), Map.of(),
                        "gs://no-such-gcs-bucket/app",
                        List.of("bucket no-such-gcs-bucket does not exist", "create it")));

        // every run is a JVM start: run them three at a time
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<String> problems = new ArrayList<>();
        try {
            List<Callable<String>> jobs = new ArrayList<>();
            for (Case c : cases) {
                jobs.add(() -> checkReplicate(c));
                jobs.add(() -> checkRestore(c));
            }
            for (Future<String> f : pool.invokeAll(jobs)) {
                String p = f.get();
                if (p != null) problems.add(p);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(), problems, () -> String.join("\n\n", problems));

        // nothing was written anywhere: not into the bucket walship could reach with the wrong key, not into S3Proxy
        try (S3Client admin = s3.admin()) {
            assertEquals(0, admin.listObjectsV2(b -> b.bucket(BUCKET)).keyCount(), "a failed replicate wrote objects");
        }
        assertTrue(gcs.requests().stream().noneMatch(r -> r.startsWith("POST") || r.startsWith("PUT")),
                () -> "a failed replicate wrote to GCS: " + gcs.requests());
    }

    private static String checkReplicate(Case c) throws Exception {
        Path spool = Files.createTempDirectory(dir, "spool");
        RestoreCheck.Result r = RestoreCheck.cli(c.env(), 60, "replicate", "--db", db.toString(), "--replica", c.url(),
                "--spool-dir", spool.toString(), "--sync-interval", E2E.SYNC_INTERVAL, "--admin-listen", "off");
        String p = judge("replicate", c, r);
        if (p == null && Files.isDirectory(spool.resolve("pending"))) {
            try (var s = Files.list(spool.resolve("pending"))) {
                if (s.findAny().isPresent()) p = "replicate (" + c.name() + ") spooled data before failing";
            }
        }
        return p;
    }

    private static String checkRestore(Case c) throws Exception {
        Path out = dir.resolve("restored-" + c.name().replace(' ', '-') + ".db");
        RestoreCheck.Result r = RestoreCheck.cli(c.env(), 60, "restore", "--replica", c.url(), "-o", out.toString());
        String p = judge("restore", c, r);
        if (p == null && Files.exists(out)) p = "restore (" + c.name() + ") created " + out;
        return p;
    }

    /** Null when the run failed the way it should; otherwise what is wrong with it. */
    private static String judge(String cmd, Case c, RestoreCheck.Result r) {
        String what = cmd + " (" + c.name() + ", " + c.url() + "): ";
        System.out.println(cmd + " / " + c.name() + ": exit " + r.code() + ": " + r.all().strip());
        List<String> lines = E2E.lines(r.all());
        List<String> errs = new ArrayList<>();
        if (r.code() == 0) errs.add("exit 0");
        if (r.all().contains(S3ProxyServer.CREDENTIAL) || r.all().contains(WRONG_SECRET)) errs.add("printed a secret key");
        if (lines.size() != 1) errs.add(lines.size() + " lines instead of one");
        String line = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        if (!line.contains(c.shownReplica())) errs.add("does not name the replica " + c.shownReplica());
        for (String f : c.fix()) if (!line.contains(f)) errs.add("does not say \"" + f + "\"");
        if (r.all().contains("Exception:") || r.all().contains("\tat ")) errs.add("stack trace");
        return errs.isEmpty() ? null : what + String.join("; ", errs) + "\n" + r;
    }
}
