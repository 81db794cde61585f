package dev.walship.hooks;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.walship.config.Durations;
import dev.walship.replica.Labels;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Set;

/**
 * The JSON body of {@code POST /v1/snapshots} and {@code POST /v1/restore}, validated: every problem is one line
 * naming the field and the fix (a 400), and nothing else can escape from parsing a hostile body.
 *
 * @param db      the database name, or null to mean "the only one"
 * @param label   the label to write (snapshots) or to restore (restore), or null
 * @param to      the instant to restore to, or null
 * @param txid    the txid to restore to, or 0
 * @param timeout how long the request may wait for durability
 */
public record HookBody(String db, String label, Instant to, long txid, Duration timeout) {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);
    /** The JDK server closes longer exchanges (see AdminServer); a hook never waits longer than this. */
    static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build());
    }

    /** A body that cannot be accepted: the message is the one line to answer with (HTTP 400). */
    public static final class Invalid extends Exception {
        Invalid(String message) {
            super(message);
        }
    }

    /** Parses a snapshot request: {@code {"db": ..., "label": ..., "timeout": "120s"}}; label required. */
    public static HookBody snapshot(byte[] body) throws Invalid {
        JsonNode n = object(body, Set.of("db", "label", "timeout"));
        String label = text(n, "label");
        if (label == null) throw new Invalid("label is required (e.g. {\"label\": \"v1.4.2\"})");
        checkLabel(label);
        return new HookBody(db(n), label, null, 0, timeout(n));
    }

    /** Parses a restore request: exactly one of label, to, txid. */
    public static HookBody restore(byte[] body) throws Invalid {
        JsonNode n = object(body, Set.of("db", "label", "to", "txid", "timeout"));
        int targets = (n.has("label") ? 1 : 0) + (n.has("to") ? 1 : 0) + (n.has("txid") ? 1 : 0);
        if (targets != 1) {
            throw new Invalid("give exactly one target: \"label\" (a deploy tag), \"to\" (an RFC 3339 time) or \"txid\"");
        }
        String label = text(n, "label");
        if (label != null) checkLabel(label);
        Instant to = null;
        String toText = text(n, "to");
        if (toText != null) {
            try {
                to = OffsetDateTime.parse(toText).toInstant();
            } catch (DateTimeParseException e) {
                throw new Invalid("to: \"" + shorten(toText) + "\" is not an RFC 3339 time (e.g. 2026-01-10T14:03:00Z)");
            }
        }
        long txid = 0;
        if (n.has("txid")) {
            JsonNode t = n.get("txid");
            if (!t.isIntegralNumber() || !t.canConvertToLong() || t.asLong() < 1) {
                throw new Invalid("txid must be a positive integer (see 'walship snapshots')");
            }
            txid = t.asLong();
        }
        return new HookBody(db(n), label, to, txid, timeout(n));
    }

    private static JsonNode object(byte[] body, Set<String> allowed) throws Invalid {
        JsonNode n;
        try {
            n = body.length == 0 ? null : JSON.readTree(body);
        } catch (IOException | RuntimeException e) {
            throw new Invalid("request body is not valid JSON (send e.g. {\"label\": \"v1.4.2\"})");
        }
        if (n == null || !n.isObject()) throw new Invalid("request body must be a JSON object (e.g. {\"label\": \"v1.4.2\"})");
        for (var it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw new Invalid("unknown field \"" + shorten(f) + "\" (allowed: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
        return n;
    }

    private static String text(JsonNode n, String field) throws Invalid {
        if (!n.has(field)) return null;
        JsonNode v = n.get(field);
        if (!v.isTextual()) throw new Invalid(field + " must be a string");
        return v.asText();
    }

    private static String db(JsonNode n) throws Invalid {
        String db = text(n, "db");
        if (db != null && (db.isEmpty() || db.length() > 255 || !db.chars().allMatch(c -> c > 0x20 && c < 0x7f))) {
            throw new Invalid("db: \"" + shorten(db) + "\" is not a database name (see /v1/status for the names)");
        }
        return db;
    }

    private static void checkLabel(String label) throws Invalid {
        String bad = Labels.checkName(label);
        if (bad != null) throw new Invalid(bad);
    }

    private static Duration timeout(JsonNode n) throws Invalid {
        String t = text(n, "timeout");
        if (t == null) return DEFAULT_TIMEOUT;
        Duration d;
        try {
            d = Durations.parse(t);
        } catch (IllegalArgumentException e) {
            throw new Invalid("timeout: \"" + shorten(t) + "\" is not a duration (e.g. 120s or 5m)");
        }
        if (d.isZero() || d.isNegative() || d.compareTo(MAX_TIMEOUT) > 0) {
            throw new Invalid("timeout must be between 1ms and " + MAX_TIMEOUT.toMinutes() + "m");
        }
        return d;
    }

    private static String shorten(String s) {
        String t = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?").replace("\"", "'");
    }
}
