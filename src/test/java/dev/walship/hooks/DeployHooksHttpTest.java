package dev.walship.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.walship.config.ConfigLoader;
import dev.walship.config.SidecarConfig;
import dev.walship.db.Sidecar;
import dev.walship.e2e.E2E;
import dev.walship.replica.Labels;
import dev.walship.replica.file.FileReplica;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deploy hooks' HTTP answers on an in-process sidecar: statuses, JSON errors, timeouts, label keeping. */
class DeployHooksHttpTest {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Sidecar sidecar;
    private AdminServer admin;
    private Path replica;

    @AfterEach
    void stop() throws Exception {
        if (admin != null) admin.close();
        if (sidecar != null) {
            sidecar.stop();
            sidecar.await();
        }
    }

    private void start(boolean createDb, Map<String, String> settings) throws Exception {
        Path db = dir.resolve("app.db");
        replica = dir.resolve("replica");
        if (createDb) {
            E2E.run(30, "python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('pragma journal_mode=wal');"
                    + " c.execute('create table t(v)'); c.execute('insert into t values (1)'); c.commit()", db.toString());
        }
        Path token = Files.writeString(dir.resolve("token"), TOKEN);
        Map<String, String> flags = new HashMap<>(Map.of("admin-listen", "127.0.0.1:0", "sync-interval", "100ms",
                "admin-token-file", token.toString()));
        flags.putAll(settings);
        SidecarConfig cfg = ConfigLoader.fromFlags(db, List.of(replica.toString()), flags);
        sidecar = new Sidecar(cfg, Clock.systemUTC());
        admin = AdminServer.bind(cfg.admin(), sidecar, Clock.systemUTC());
        sidecar.start();
        admin.start();
        if (createDb) {
            long deadline = System.currentTimeMillis() + 20_000;
            while (sidecar.runners().isEmpty() || sidecar.runners().get(0).phase() != Sidecar.Phase.REPLICATING) {
                assertTrue(System.currentTimeMillis() < deadline, "sidecar did not start replicating");
                Thread.sleep(20);
            }
        }
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + admin.address().getPort() + path);
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String error(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).get("error").asText();
    }

    @Test
    void badBodiesAre400WithOneLineNamingTheField() throws Exception {
        start(true, Map.of());
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("", "must be a JSON object");
        cases.put("{", "not valid JSON");
        cases.put("[1]", "must be a JSON object");
        cases.put("{\"label\": \"v1\"} {}", "not valid JSON");
        cases.put("{}", "label is required");
        cases.put("{\"label\": 5}", "label must be a string");
        cases.put("{\"label\": \"a/b\"}", "is not valid");
        cases.put("{\"label\": \"v1\", \"lable\": 1}", "unknown field \"lable\"");
        cases.put("{\"label\": \"v1\", \"timeout\": \"11m\"}", "timeout must be between");
        cases.put("{\"label\": \"v1\", \"timeout\": \"soon\"}", "not a duration");
        for (var c : cases.entrySet()) {
            HttpResponse<String> r = post("/v1/snapshots", c.getKey());
            assertEquals(400, r.statusCode(), c.getKey());
            String e = error(r);
            assertTrue(e.contains(c.getValue()), c.getKey() + " -> " + e);
            assertFalse(e.contains("\n"));
        }
        assertTrue(error(post("/v1/restore", "{\"label\": \"v1\", \"txid\": 3}")).contains("exactly one target"));
        assertTrue(error(post("/v1/restore", "{\"txid\": -3}")).contains("positive integer"));
        assertTrue(error(post("/v1/restore", "{\"to\": \"yesterday\"}")).contains("RFC 3339"));
        HttpResponse<String> unknownDb = post("/v1/snapshots", "{\"db\": \"nope\", \"label\": \"v1\"}");
        assertEquals(404, unknownDb.statusCode());
        assertTrue(error(unknownDb).contains("unknown db nope (known: app.db)"), unknownDb.body());
    }

    @Test
    void aSecondRestoreWhileOneRunsIs409() throws Exception {
        start(true, Map.of());
        assertEquals(200, post("/v1/snapshots", "{\"label\": \"v1\"}").statusCode());
        Sidecar.DbRunner runner = sidecar.runners().get(0);
        assertTrue(runner.beginRestore(), "the test plays the running restore");
        try {
            HttpResponse<String> r = post("/v1/restore", "{\"label\": \"v1\"}");
            assertEquals(409, r.statusCode());
            assertTrue(error(r).contains("already running"), r.body());
        } finally {
            runner.endRestore();
        }
        assertEquals(200, post("/v1/restore", "{\"label\": \"v1\"}").statusCode(), "free again afterwards");
    }

    @Test
    void aSnapshotThatCannotReachTheReplicaIs504ThenSucceedsOnceItCan() throws Exception {
        start(true, Map.of());
        assertEquals(200, post("/v1/snapshots", "{\"label\": \"v1\"}").statusCode());
        // Break the replica for snapshots only: its snapshots/ directory becomes a plain file.
        Path snaps = replica.resolve("snapshots");
        Path aside = replica.resolve("snapshots-aside");
        Files.move(snaps, aside);
        Files.writeString(snaps, "in the way");
        insert(2); // a new state, so the labelled snapshot is a new file the replica does not hold yet
        HttpResponse<String> r = post("/v1/snapshots", "{\"label\": \"v2\", \"timeout\": \"1500ms\"}");
        assertEquals(504, r.statusCode(), r.body());
        JsonNode n = JSON.readTree(r.body());
        assertTrue(n.get("error").asText().contains("not durable on every replica after 1500ms"), r.body());
        JsonNode rep = n.get("replicas").get(0);
        assertFalse(rep.get("durable").asBoolean());
        assertTrue(rep.get("error").asText().contains(replica.toString()), r.body());
        assertEquals(List.of("v1"), readLabels().names(), "no label for a snapshot the replica does not hold");

        Files.delete(snaps);
        Files.move(aside, snaps);
        HttpResponse<String> ok = post("/v1/snapshots", "{\"label\": \"v2\", \"timeout\": \"60s\"}");
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(List.of("v1", "v2"), readLabels().names());
    }

    @Test
    void onlyTheNewestKeepLabelsAreKeptAndALabelWrittenAgainMoves() throws Exception {
        start(true, Map.of("keep-labels", "2"));
        for (String l : List.of("v1", "v2", "v3")) {
            assertEquals(200, post("/v1/snapshots", "{\"label\": \"" + l + "\"}").statusCode());
        }
        assertEquals(List.of("v2", "v3"), readLabels().names());
        insert(2);
        long v2Before = readLabels().find("v2").orElseThrow().txid();
        assertEquals(200, post("/v1/snapshots", "{\"label\": \"v2\"}").statusCode());
        assertEquals(List.of("v3", "v2"), readLabels().names());
        assertTrue(readLabels().find("v2").orElseThrow().txid() > v2Before, "v2 names the newer snapshot now");
    }

    @Test
    void hooksAnswer503UntilTheDatabaseIsReplicated() throws Exception {
        start(false, Map.of());
        HttpResponse<String> r = post("/v1/snapshots", "{\"label\": \"v1\"}");
        assertEquals(503, r.statusCode(), r.body());
        assertTrue(error(r).contains("not replicating (waiting_for_db)") || error(r).contains("not replicating (opening_replicas)"),
                r.body());
    }

    private void insert(int v) throws Exception {
        E2E.run(30, "python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('insert into t values ("
                + v + ")'); c.commit()", dir.resolve("app.db").toString());
    }

    private Labels readLabels() throws Exception {
        try (FileReplica f = new FileReplica(replica)) {
            return Labels.parse(f.readObject(Labels.OBJECT).orElseThrow(), "test");
        }
    }
}
