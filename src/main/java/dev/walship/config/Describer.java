package dev.walship.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.UncheckedIOException;

/** Renders a {@link SidecarConfig} as sidecar.yml YAML with every default filled in and secrets redacted. */
final class Describer {
    static final String REDACTED = "<redacted>";
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            // A name such as "1.10" must stay a string when the output is loaded again.
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .build();

    private Describer() {
    }

    static String describe(SidecarConfig c) {
        ObjectNode root = YAML.createObjectNode();
        put(c, root, "", Keys.LOG_LEVEL, c.logLevel());
        put(c, root, "", Keys.LOG_FORMAT, c.logFormat());
        put(c, root, "", Keys.ADMIN_LISTEN, c.admin().listen());
        if (c.admin().token() != null) root.put(Keys.ADMIN_TOKEN, REDACTED);
        put(c, root, "", Keys.KEEP_LABELS, Integer.toString(c.keepLabels()));
        ArrayNode dbs = root.putArray(Keys.DBS);
        for (int i = 0; i < c.dbs().size(); i++) {
            DbConfig db = c.dbs().get(i);
            String prefix = "dbs[" + i + "].";
            ObjectNode n = dbs.addObject();
            put(c, n, prefix, Keys.PATH, db.path().toString());
            put(c, n, prefix, Keys.NAME, db.name());
            ArrayNode replicas = n.putArray(Keys.REPLICAS);
            for (int j = 0; j < db.replicas().size(); j++) {
                boolean secret = c.redactedKeys().contains(prefix + Keys.REPLICAS + "[" + j + "]");
                ReplicaSpec spec = db.replicas().get(j);
                if (secret) {
                    replicas.add(REDACTED);
                } else if (spec.s3() != null && spec.s3().hasCredentials()) {
                    ObjectNode r = replicas.addObject();
                    r.put(Keys.URL, spec.safeUrl());
                    r.put(Keys.ACCESS_KEY_ID, REDACTED);
                    r.put(Keys.SECRET_ACCESS_KEY, REDACTED);
                } else {
                    replicas.add(spec.safeUrl());
                }
            }
            put(c, n, prefix, Keys.SPOOL_DIR, db.spoolDir().toString());
            put(c, n, prefix, Keys.SYNC_INTERVAL, Durations.format(db.syncInterval()));
            if (hidden(c, prefix, Keys.SYNC_ON_COMMIT)) {
                n.put(Keys.SYNC_ON_COMMIT, REDACTED);
            } else {
                n.put(Keys.SYNC_ON_COMMIT, db.syncOnCommit());
            }
            put(c, n, prefix, Keys.SNAPSHOT_INTERVAL, Durations.format(db.snapshotInterval()));
            put(c, n, prefix, Keys.RETENTION, Durations.format(db.retention()));
            put(c, n, prefix, Keys.L0_RETENTION, Durations.format(db.l0Retention()));
            put(c, n, prefix, Keys.L1_INTERVAL, Durations.format(db.l1Interval()));
            put(c, n, prefix, Keys.L2_INTERVAL, Durations.format(db.l2Interval()));
            if (hidden(c, prefix, Keys.CHECKPOINT_PAGES)) {
                n.put(Keys.CHECKPOINT_PAGES, REDACTED);
            } else {
                n.put(Keys.CHECKPOINT_PAGES, db.checkpointPages());
            }
            put(c, n, prefix, Keys.MAX_WAL_SIZE, Sizes.format(db.maxWalBytes()));
            put(c, n, prefix, Keys.BUSY_TIMEOUT, Durations.format(db.busyTimeout()));
            put(c, n, prefix, Keys.SPOOL_MAX_SIZE, Sizes.format(db.spoolMaxBytes()));
            if (db.encryptionKey() != null) n.put(Keys.ENCRYPTION_KEY, REDACTED);
            n.put(Keys.WAIT_FOR_LEASE, db.waitForLease());
            put(c, n, prefix, Keys.MAX_LAG, Durations.format(db.maxLag()));
            put(c, n, prefix, Keys.VALIDATION_INTERVAL, Durations.format(db.validationInterval()));
        }
        try {
            return YAML.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // writing a tree of strings to a String cannot fail
        }
    }

    private static boolean hidden(SidecarConfig c, String prefix, String key) {
        return c.redactedKeys().contains(prefix + key) || Rules.isSensitiveKey(key);
    }

    private static void put(SidecarConfig c, ObjectNode node, String prefix, String key, String value) {
        node.put(key, hidden(c, prefix, key) ? REDACTED : value);
    }
}
