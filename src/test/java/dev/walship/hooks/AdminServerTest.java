package dev.walship.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.walship.config.ConfigLoader;
import dev.walship.config.SidecarConfig;
import dev.walship.db.Sidecar;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API over real HTTP on a free loopback port, in front of a real sidecar replicating a real database. */
class AdminServerTest {
    /** One sample line of the Prometheus text format: name, optional labels, value. */
    static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*\\})? "
                    + "(-?[0-9.]+(?:[eE][+-]?[0-9]+)?|NaN|[+-]Inf)");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    private Sidecar sidecar;
    private AdminServer admin;
    private Path db;
    private Path replicaDir;

    @AfterEach
    void stop() throws Exception {
        if (admin != null) admin.close();
        if (sidecar != null) {
            sidecar.stop();
            sidecar.await();
        }
    }

    static String python(String code, String... args) throws Exception {
        String[] cmd = new String[3 + args.length];
        cmd[0] = "python3";
        cmd[1] = "-c";
        cmd[2] = code;
        System.arraycopy(args, 0, cmd, 3, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private void insert(int rows) throws Exception {
        python("import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nfor i in range(int(sys.argv[2])):\n"
                + "    c.execute('insert into t values(?)', (i,)); c.commit()", db.toString(), Integer.toString(rows));
    }

    /** A sidecar on a python-made database with one file replica, and the admin API on a free loopback port. */
    private void start(boolean createDb, Map<String, String> settings) throws Exception {
        db = dir.resolve("app.db");
        replicaDir = dir.resolve("replica");
        if (createDb) {
            python("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(v)'); c.commit()",
                    db.toString());
        }
        Map<String, String> flags = new HashMap<>(Map.of("admin-listen", "127.0.0.1:0", "sync-interval", "100ms"));
        flags.putAll(settings);
        SidecarConfig cfg = ConfigLoader.fromFlags(db, List.of(replicaDir.toString()), flags);
        sidecar = new Sidecar(cfg, Clock.systemUTC());
        admin = AdminServer.bind(cfg.admin(), sidecar, Clock.systemUTC());
        sidecar.start();
        admin.start();
    }

    static HttpResponse<String> get(AdminServer admin, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + admin.address().getPort() + path);
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return get(admin, path);
    }

    private HttpResponse<String> awaitResponse(String path, Predicate<HttpResponse<String>> ok, long millis)
            throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        HttpResponse<String> last = null;
        while (System.currentTimeMillis() < deadline) {
            last = get(path);
            if (ok.test(last)) return last;
            Thread.sleep(100);
        }
        fail("no matching answer from " + path + " within " + millis + " ms; last: " + (last == null ? null
                : last.statusCode() + " " + last.body()));
        return null;
    }

    private JsonNode status() throws Exception {
        HttpResponse<String> r = get("/v1/status");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        return new ObjectMapper().readTree(r.body());
    }

    /** Every sample of a scrape by "name{labels}"; fails on any line that is not valid text format. */
    static Map<String, Double> samples(String text) {
        Map<String, Double> out = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) continue;
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "not Prometheus text format: " + line);
            out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
        }
        return out;
    }

    private Map<String, Double> scrape() throws Exception {
        HttpResponse<String> r = get("/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                r.headers().toString());
        return samples(r.body());
    }

    private String replicaUrl() {
        return "file://" + replicaDir;
    }

    @Test
    void healthyWhileReplicatingWithMetricsAndStatus() throws Exception {
        start(true, Map.of());
        HttpResponse<String> health = awaitResponse("/healthz", r -> r.statusCode() == 200
                && sidecar.runners().get(0).phase() == Sidecar.Phase.REPLICATING, 20_000);
        assertEquals("ok\n", health.body());
        assertTrue(health.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));

        String db = "{db=\"app.db\"}";
        String replica = "{db=\"app.db\",replica=\"" + replicaUrl() + "\"}";
        Map<String, Double> before = scrape();
        assertEquals(1.0, before.get("walship_healthy"));
        assertEquals(1.0, before.get("walship_db_state{db=\"app.db\",state=\"replicating\"}"));
        assertEquals(0.0, before.get("walship_db_state{db=\"app.db\",state=\"waiting_for_db\"}"));
        assertEquals(60.0, before.get("walship_db_max_lag_seconds" + db));
        for (String name : List.of("walship_db_last_txid", "walship_db_replication_lag_seconds", "walship_db_wal_bytes",
                "walship_db_spool_bytes", "walship_db_spool_full", "walship_db_syncs_total",
                "walship_db_transactions_total", "walship_db_checkpoints_total", "walship_db_snapshots_total",
                "walship_db_continuity_breaks_total", "walship_db_errors_total", "walship_db_sync_seconds_total",
                "walship_db_checkpoint_seconds_total", "walship_db_snapshot_seconds_total")) {
            assertNotNull(before.get(name + db), name + " in " + before.keySet());
        }
        for (String name : List.of("walship_replica_uploaded_txid", "walship_replica_lag_seconds",
                "walship_replica_uploads_total", "walship_replica_upload_failures_total", "walship_replica_failing",
                "walship_replica_lease_lost")) {
            assertNotNull(before.get(name + replica), name + " in " + before.keySet());
        }
        for (String kind : List.of("put", "get", "list", "delete")) {
            // the client library sorts labels by name
            String key = "walship_replica_requests_total{db=\"app.db\",kind=\"" + kind + "\",replica=\"" + replicaUrl()
                    + "\"}";
            assertEquals(0.0, before.get(key), key + " (a local directory counts no requests)");
        }
        assertTrue(before.get("walship_db_snapshots_total" + db) >= 1);
        assertEquals(0.0, before.get("walship_db_spool_full" + db));
        assertEquals(0.0, before.get("walship_replica_failing" + replica));

        insert(3);
        long txidBefore = before.get("walship_db_last_txid" + db).longValue();
        awaitResponse("/v1/status", r -> {
            try {
                JsonNode n = new ObjectMapper().readTree(r.body()).path("dbs").path(0);
                return n.path("replicas").path(0).path("uploadedTxid").asLong() >= txidBefore + 3;
            } catch (Exception e) {
                return false;
            }
        }, 10_000);
        Map<String, Double> after = scrape();
        assertTrue(after.get("walship_db_syncs_total" + db) > before.get("walship_db_syncs_total" + db));
        assertTrue(after.get("walship_db_transactions_total" + db) >= before.get("walship_db_transactions_total" + db) + 3);
        assertTrue(after.get("walship_db_last_txid" + db) >= txidBefore + 3);
        assertTrue(after.get("walship_replica_uploads_total" + replica) > before.get("walship_replica_uploads_total" + replica));
        assertTrue(after.get("walship_replica_uploaded_txid" + replica) >= txidBefore + 3);
        assertTrue(after.get("walship_db_sync_seconds_total" + db) > 0);

        JsonNode s = status();
        assertTrue(s.path("healthy").asBoolean(), s.toString());
        assertEquals(0, s.path("reasons").size());
        assertFalse(s.path("stopping").asBoolean());
        assertTrue(s.path("version").isTextual());
        JsonNode d = s.path("dbs").path(0);
        assertEquals("app.db", d.path("name").asText());
        assertEquals(db().toString(), d.path("path").asText());
        assertEquals("replicating", d.path("state").asText());
        assertTrue(d.path("lastTxid").asLong() >= txidBefore + 3, d.toString());
        assertTrue(d.path("lastCommitTime").asText().endsWith("Z"), d.toString());
        assertTrue(d.path("lagSeconds").isNumber() && d.path("lagSeconds").asDouble() < 60, d.toString());
        assertEquals(60.0, d.path("maxLagSeconds").asDouble());
        assertTrue(d.path("walBytes").asLong() > 0, d.toString());
        assertTrue(d.path("spoolBytes").isNumber());
        assertFalse(d.path("spoolFull").asBoolean());
        assertTrue(d.path("counters").path("syncs").asLong() >= 1);
        assertTrue(d.path("counters").path("snapshots").asLong() >= 1);
        for (String f : List.of("transactions", "shippedBytes", "checkpoints", "continuityBreaks", "errors",
                "corruptFrames", "checksumMismatches", "syncSeconds", "checkpointSeconds", "snapshotSeconds")) {
            assertTrue(d.path("counters").path(f).isNumber(), f);
        }
        JsonNode r = d.path("replicas").path(0);
        assertEquals(replicaUrl(), r.path("url").asText());
        assertTrue(r.path("uploads").asLong() >= 2);
        assertEquals(0, r.path("failures").asLong());
        assertFalse(r.path("failing").asBoolean());
        assertTrue(r.path("lastError").isNull());
        assertFalse(r.path("leaseLost").asBoolean());
        assertEquals(0, r.path("requests").path("put").asLong());
        assertTrue(r.path("requests").has("list") && r.path("requests").has("delete") && r.path("requests").has("get"));
    }

    private Path db() {
        return db;
    }

    @Test
    void unhealthyWithReasonsWhileTheOnlyReplicaIsBlockedThenHealthyAgain() throws Exception {
        start(true, Map.of("max-lag", "300ms"));
        awaitResponse("/healthz", r -> r.statusCode() == 200
                && sidecar.runners().get(0).phase() == Sidecar.Phase.REPLICATING, 20_000);
        // The same outage as ReplicaSyncTest: the replica's L0 directory becomes a regular file.
        Path l0 = replicaDir.resolve("L0");
        if (Files.exists(l0)) {
            try (Stream<Path> s = Files.walk(l0)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
        Files.writeString(l0, "not a directory");
        insert(1);

        HttpResponse<String> sick = awaitResponse("/healthz", r -> r.statusCode() == 503
                && r.body().contains("replication lag") && r.body().contains("failing"), 15_000);
        List<String> reasons = List.of(sick.body().split("\n"));
        assertTrue(reasons.stream().anyMatch(l -> l.startsWith("db app.db: its replica is failing: " + replicaUrl())),
                sick.body());
        assertTrue(reasons.stream().anyMatch(l -> l.matches("db app\\.db: replication lag \\d+\\.\\ds exceeds max-lag 300ms")),
                sick.body());
        assertTrue(sick.body().endsWith("\n"));

        Map<String, Double> m = scrape();
        String replica = "{db=\"app.db\",replica=\"" + replicaUrl() + "\"}";
        assertEquals(0.0, m.get("walship_healthy"));
        assertEquals(1.0, m.get("walship_replica_failing" + replica));
        assertTrue(m.get("walship_replica_upload_failures_total" + replica) >= 1);
        assertTrue(m.get("walship_replica_lag_seconds" + replica) > 0.3);
        assertTrue(m.get("walship_db_replication_lag_seconds{db=\"app.db\"}") > 0.3);

        JsonNode s = status();
        assertFalse(s.path("healthy").asBoolean());
        assertEquals(reasons.size(), s.path("reasons").size());
        JsonNode r = s.path("dbs").path(0).path("replicas").path(0);
        assertTrue(r.path("failing").asBoolean());
        assertTrue(r.path("lastError").asText().contains(replicaUrl()), r.toString());
        assertTrue(r.path("lagSeconds").asDouble() > 0.3);

        Files.delete(l0);
        awaitResponse("/healthz", x -> x.statusCode() == 200, 30_000);
    }

    @Test
    void waitingForTheDatabaseIsHealthy() throws Exception {
        start(false, Map.of());
        awaitResponse("/v1/status", r -> r.body().contains("\"waiting_for_db\""), 10_000);
        HttpResponse<String> h = get("/healthz");
        assertEquals(200, h.statusCode(), h.body());
        Map<String, Double> m = scrape();
        assertEquals(1.0, m.get("walship_db_state{db=\"app.db\",state=\"waiting_for_db\"}"));
        assertFalse(m.containsKey("walship_db_syncs_total{db=\"app.db\"}"), "no follower, no follower metrics");
        JsonNode d = status().path("dbs").path(0);
        assertTrue(d.path("lagSeconds").isNull() && d.path("lastCommitTime").isNull(), d.toString());
    }
}
