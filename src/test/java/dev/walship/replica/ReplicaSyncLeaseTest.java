package dev.walship.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.db.Spool;
import dev.walship.replica.file.FileReplica;
import dev.walship.retention.Retention;
import dev.walship.segment.FileInfo;
import dev.walship.testing.ManualClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lease gates every write of a ReplicaSync: no upload starts more than TTL/2 after the lease was
 * last written, and when renewing fails nothing is written until a renewal succeeds.
 */
class ReplicaSyncLeaseTest {
    private static final ReplicaSync.Policy POLICY = new ReplicaSync.Policy(60_000, 3_600_000,
            new Retention.Policy(72 * 3_600_000L, 3_600_000, 24 * 3_600_000L));

    @TempDir
    Path tmp;

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));

    private Spool spool;
    private FileReplica replica;
    /** "lease" for each write of the lease that landed, the file name for each upload, in order. */
    private final List<String> writes = new CopyOnWriteArrayList<>();
    private final AtomicBoolean leaseWritesFail = new AtomicBoolean();
    private long uploadTakesMs;

    @BeforeEach
    void setUp() throws IOException {
        spool = new Spool(tmp.resolve("spool"));
        replica = new FileReplica(tmp.resolve("replica"));
    }

    /** The file replica, with every write recorded; an upload advances the clock by uploadTakesMs. */
    private ReplicaClient recording() {
        return (ReplicaClient) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ReplicaClient.class}, (proxy, m, args) -> {
                    boolean lease = m.getName().equals("writeIf") && ReplicaLease.NAME.equals(args[0]);
                    if (lease && leaseWritesFail.get()) throw new IOException("store unreachable");
                    if (m.getName().equals("upload")) {
                        writes.add(((FileInfo) args[0]).name());
                        clock.advanceMillis(uploadTakesMs);
                    }
                    Object r;
                    try {
                        r = m.invoke(replica, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (lease) writes.add("lease"); // only writes that landed
                    return r;
                });
    }

    private FileInfo spooled(long txid) throws IOException {
        FileInfo info = FileInfo.segment(0, txid, txid, clock.millis(), clock.millis(), -1);
        Path t = spool.newTemp(".part");
        Files.writeString(t, "segment " + txid);
        spool.publish(t, info);
        return info;
    }

    @Test
    void aLongBacklogRenewsTheLeaseBetweenUploads() throws IOException {
        ReplicaSync sync = ReplicaSync.open("db", recording(), spool, POLICY, clock);
        assertEquals(List.of("lease"), writes, "taken at open");
        FileInfo a = spooled(1);
        FileInfo b = spooled(2);
        FileInfo c = spooled(3);
        uploadTakesMs = 10_000; // a slow store: each upload takes a third of the TTL
        assertTrue(sync.uploadPending());
        // a at +0 s and b at +10 s go out on the lease taken at open; c would start at +20 s, past TTL/2
        assertEquals(List.of("lease", a.name(), b.name(), "lease", c.name()), writes);
    }

    @Test
    void aFailedRenewalStopsUploadsUntilOneSucceeds() throws IOException {
        ReplicaSync sync = ReplicaSync.open("db", recording(), spool, POLICY, clock);
        FileInfo a = spooled(1);
        clock.advanceMillis(15_000); // the renewal is due
        leaseWritesFail.set(true);
        assertFalse(sync.uploadPending());
        assertFalse(sync.has(a), "nothing is uploaded while the lease cannot be renewed");
        assertFalse(sync.leaseLost(), "an unreachable store is not a takeover");
        clock.advanceMillis(20_000); // past expiry, but nobody took it: our conditional write still matches
        assertFalse(sync.uploadPending());
        assertEquals(List.of("lease"), writes);

        leaseWritesFail.set(false);
        assertTrue(sync.uploadPending());
        assertTrue(sync.has(a));
        assertEquals(List.of("lease", "lease", a.name()), writes);
    }

    @Test
    void aLeaseTakenOverStopsUploadsForGood() throws IOException {
        ReplicaSync sync = ReplicaSync.open("db", recording(), spool, POLICY, clock);
        FileInfo a = spooled(1);
        clock.advanceMillis(31_000); // this sidecar stalled past expiry, and another one took the replica
        new ReplicaLease(replica, "owner-b", "db", ReplicaSync.LEASE_TTL_MS, clock).acquire();
        assertFalse(sync.uploadPending());
        assertTrue(sync.leaseLost());
        assertFalse(sync.has(a));
        assertEquals(List.of("lease"), writes, "no upload after the lease was lost");
    }
}
