package dev.walship.hooks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.walship.db.Sidecar;
import dev.walship.util.Version;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** The /v1/status document: the facts of /metrics and /healthz as one JSON object (field list in docs/ADMIN.md). */
final class StatusJson {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StatusJson() {
    }

    static String render(boolean stopping, List<DbState> dbs, long nowMillis) {
        ObjectNode root = JSON.createObjectNode();
        List<String> reasons = Health.reasons(stopping, dbs);
        root.put("version", Version.get());
        root.put("time", Instant.ofEpochMilli(nowMillis).toString());
        root.put("healthy", reasons.isEmpty());
        ArrayNode why = root.putArray("reasons");
        reasons.forEach(why::add);
        root.put("stopping", stopping);
        ArrayNode list = root.putArray("dbs");
        for (DbState db : dbs) {
            ObjectNode n = list.addObject();
            n.put("name", db.name());
            n.put("path", db.path());
            n.put("state", phase(db.phase()));
            n.put("lastTxid", db.lastTxid());
            if (db.lastTimeMillis() > 0) {
                n.put("lastCommitTime", Instant.ofEpochMilli(db.lastTimeMillis()).toString());
            } else {
                n.putNull("lastCommitTime");
            }
            seconds(n, "lagSeconds", db.lagMillis());
            n.put("maxLagSeconds", db.maxLag().toMillis() / 1000.0);
            n.put("walBytes", db.walBytes());
            if (db.spoolBytes() >= 0) n.put("spoolBytes", db.spoolBytes()); else n.putNull("spoolBytes");
            n.put("spoolFull", db.spoolFull());
            DbState.Counters c = db.counters();
            ObjectNode counters = n.putObject("counters");
            counters.put("syncs", c.syncs());
            counters.put("transactions", c.transactions());
            counters.put("shippedBytes", c.shippedBytes());
            counters.put("checkpoints", c.checkpoints());
            counters.put("snapshots", c.snapshots());
            counters.put("continuityBreaks", c.breaks());
            counters.put("errors", c.errors());
            counters.put("corruptFrames", c.corruptFrames());
            counters.put("checksumMismatches", c.checksumMismatches());
            counters.put("syncSeconds", c.syncNanos() / 1e9);
            counters.put("checkpointSeconds", c.checkpointNanos() / 1e9);
            counters.put("snapshotSeconds", c.snapshotNanos() / 1e9);
            ArrayNode replicas = n.putArray("replicas");
            for (DbState.ReplicaState r : db.replicas()) {
                ObjectNode rn = replicas.addObject();
                rn.put("url", r.url());
                rn.put("uploadedTxid", r.uploadedTxid());
                seconds(rn, "lagSeconds", r.lagMillis());
                rn.put("uploads", r.uploads());
                rn.put("failures", r.failures());
                rn.put("failing", r.failing());
                rn.put("lastError", r.lastError());
                rn.put("leaseLost", r.leaseLost());
                if (r.validation() == null) {
                    rn.putNull("validation");
                } else {
                    ObjectNode v = rn.putObject("validation");
                    v.put("txid", r.validation().txid());
                    v.put("ok", r.validation().ok());
                    v.put("time", java.time.Instant.ofEpochMilli(r.validation().atMillis()).toString());
                    v.put("error", r.validation().detail());
                }
                ObjectNode req = rn.putObject("requests");
                req.put("put", r.requests().put());
                req.put("get", r.requests().get());
                req.put("list", r.requests().list());
                req.put("delete", r.requests().delete());
            }
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // a tree of plain values always serializes
        }
    }

    /** The state names used in JSON and the walship_db_state metric: opening_replicas, waiting_for_db, ... */
    static String phase(Sidecar.Phase p) {
        return p.name().toLowerCase(Locale.ROOT);
    }

    private static void seconds(ObjectNode n, String field, long millis) {
        if (millis >= 0) n.put(field, millis / 1000.0); else n.putNull(field);
    }
}
