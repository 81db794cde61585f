package dev.walship.replica;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * One writer per replica: a lease object ({@code lease.json}) taken and renewed with conditional
 * writes, so a second sidecar pointed at the same replica (an overlapping deploy, a copied config)
 * is refused instead of interleaving txids with the first (Litestream #422, #1119).
 *
 * <p>The owner id lives in the spool, so the same sidecar restarted after a crash takes its lease
 * back at once, while a different sidecar must wait for the lease to expire.
 *
 * <p>Timing: the owner calls {@link #renewIfDue} before every write to the replica, and it renews once
 * half the lifetime has passed since the lease was last written. So no write starts later than TTL/2
 * after a successful renewal, leaving the other half as margin for a write in flight before a second
 * sidecar can take an expired lease. A renewal that fails (store unreachable) throws, and nothing is
 * written until one succeeds: if nobody took the lease meanwhile, the conditional write on our own
 * version still succeeds, even after expiry; otherwise it is a {@link HeldException}. Renewing at half
 * rather than a third of the lifetime costs one PUT per 15 s instead of per 10 s (TTL 30 s).
 */
public final class ReplicaLease {
    public static final String NAME = "lease.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ReplicaClient client;
    private final String owner;
    private final String db;
    private final long ttlMs;
    private final Clock clock;
    private String version;
    private long renewedAt;
    /** Looked up once: a renewal every 15 s resolved it again each time, a measurable part of an idle sidecar's CPU. */
    private final String host = hostname();
    /** Tells this lease's writes apart (see {@link #landedAnyway}); random once, then counted: no entropy per write. */
    private final String writePrefix = java.util.UUID.randomUUID().toString();
    private long writes;

    public ReplicaLease(ReplicaClient client, String owner, String db, long ttlMs, Clock clock) {
        this.client = client;
        this.owner = owner;
        this.db = db;
        this.ttlMs = ttlMs;
        this.clock = clock;
    }

    /** Thrown when another sidecar holds the replica; the message says who and until when. */
    public static final class HeldException extends IOException {
        HeldException(String message) {
            super(message);
        }
    }

    /** Takes the lease, or fails with {@link HeldException} if another owner holds an unexpired one. */
    public synchronized void acquire() throws IOException {
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<ReplicaClient.Versioned> cur = client.readVersioned(NAME);
            long now = clock.millis();
            if (cur.isPresent()) {
                JsonNode n = parse(cur.get().data());
                String holder = n.path("owner").asText("");
                long expires = n.path("expires").asLong(0);
                if (!holder.equals(owner) && expires > now) {
                    throw new HeldException("replica " + client.url() + " is in use by another walship (host "
                            + n.path("host").asText("?") + ", db " + n.path("db").asText("?") + ") until "
                            + Instant.ofEpochMilli(expires) + "; stop that sidecar, or point this one at another replica");
                }
            }
            String writeId = nextWriteId();
            try {
                version = client.writeIf(NAME, body(now + ttlMs, writeId), cur.map(ReplicaClient.Versioned::version).orElse(null));
                renewedAt = now;
                return;
            } catch (PreconditionFailedException e) {
                if (landedAnyway(writeId)) {
                    renewedAt = now;
                    return;
                }
                // someone wrote the lease between our read and our write: look again
            }
        }
        throw new HeldException("replica " + client.url() + ": could not take the lease, another walship keeps"
                + " writing it; stop the other sidecar");
    }

    /**
     * Renews the lease when half its lifetime has passed since it was last written (no request
     * otherwise); call before every write to the replica. A lost lease is a {@link HeldException}.
     */
    public synchronized void renewIfDue() throws IOException {
        long now = clock.millis();
        if (now - renewedAt < renewAfterMs()) return;
        String writeId = nextWriteId();
        try {
            version = client.writeIf(NAME, body(now + ttlMs, writeId), version);
            renewedAt = now;
        } catch (PreconditionFailedException e) {
            if (landedAnyway(writeId)) {
                renewedAt = now;
                return;
            }
            throw new HeldException("replica " + client.url() + ": another walship took over this replica's lease;"
                    + " this sidecar stops writing to it (check for a second sidecar on the same replica)");
        }
    }

    /** How long after a successful write of the lease the next write of it is due. */
    public long renewAfterMs() {
        return ttlMs / 2;
    }

    /** Gives the lease up (expires now) so a successor does not wait; best effort at shutdown. */
    public synchronized void release() throws IOException {
        if (version == null) return;
        client.writeIf(NAME, body(0, nextWriteId()), version);
        version = null;
    }

    /**
     * A conditional write whose answer was lost is retried by the SDK and then fails its own
     * precondition; the write id in the object tells that case apart from a real takeover.
     */
    private boolean landedAnyway(String writeId) throws IOException {
        Optional<ReplicaClient.Versioned> now = client.readVersioned(NAME);
        if (now.isEmpty()) return false;
        JsonNode n = parse(now.get().data());
        if (!owner.equals(n.path("owner").asText()) || !writeId.equals(n.path("write").asText())) return false;
        version = now.get().version();
        return true;
    }

    private byte[] body(long expires, String writeId) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("owner", owner);
        n.put("write", writeId);
        n.put("db", db);
        n.put("host", host);
        n.put("expires", expires);
        return JSON.writeValueAsBytes(n);
    }

    private String nextWriteId() {
        return writePrefix + "-" + (++writes);
    }

    private JsonNode parse(byte[] data) throws IOException {
        try {
            return JSON.readTree(data);
        } catch (IOException e) {
            throw new IOException("replica " + client.url() + ": " + NAME + " is not valid JSON; delete it if no"
                    + " other walship uses this replica", e);
        }
    }

    private static String hostname() {
        String h = System.getenv("HOSTNAME");
        if (h != null && !h.isBlank()) return h;
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
