package dev.walship.replica;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.replica.file.FileReplica;
import dev.walship.testing.ManualClock;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One writer per replica: a second owner is refused until the lease expires, the first then loses it. */
class ReplicaLeaseTest {
    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(Instant.ofEpochMilli(1_000_000));

    @Test
    void secondOwnerIsRefusedUntilExpiryAndTheFirstThenLosesIt() throws Exception {
        FileReplica replica = new FileReplica(dir);
        ReplicaLease a = new ReplicaLease(replica, "owner-a", "app", 30_000, clock);
        ReplicaLease b = new ReplicaLease(replica, "owner-b", "app", 30_000, clock);
        a.acquire();
        ReplicaLease.HeldException e = assertThrows(ReplicaLease.HeldException.class, b::acquire);
        assertTrue(e.getMessage().contains("in use by another walship") && e.getMessage().contains(replica.url()),
                e.getMessage());

        clock.advanceMillis(31_000); // a stopped renewing (crashed on another host)
        b.acquire();
        ReplicaLease.HeldException lost = assertThrows(ReplicaLease.HeldException.class, a::renewIfDue);
        assertTrue(lost.getMessage().contains("took over"), lost.getMessage());
    }

    @Test
    void renewsOnceHalfItsLifetimeHasPassedAndNotBefore() throws Exception {
        FileReplica replica = new FileReplica(dir);
        AtomicLong writes = new AtomicLong();
        ReplicaClient counting = (ReplicaClient) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ReplicaClient.class}, (proxy, m, args) -> {
                    if (m.getName().equals("writeIf")) writes.incrementAndGet();
                    try {
                        return m.invoke(replica, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        ReplicaLease a = new ReplicaLease(counting, "owner-a", "app", 30_000, clock);
        assertEquals(15_000, a.renewAfterMs());
        a.acquire();
        assertEquals(1, writes.get());
        clock.advanceMillis(14_999);
        a.renewIfDue();
        assertEquals(1, writes.get(), "not due before TTL/2: no request");
        clock.advanceMillis(1);
        a.renewIfDue();
        assertEquals(2, writes.get(), "due at TTL/2");
        long expires = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(replica.readObject(ReplicaLease.NAME).orElseThrow()).path("expires").asLong();
        assertEquals(clock.millis() + 30_000, expires, "a renewal extends the lease by a whole TTL from now");
        a.renewIfDue();
        assertEquals(2, writes.get(), "the renewal restarts the count");
    }

    @Test
    void theSameOwnerTakesItsLeaseBackAfterACrash() throws Exception {
        FileReplica replica = new FileReplica(dir);
        new ReplicaLease(replica, "owner-a", "app", 30_000, clock).acquire();
        // a restart with the same spool (same owner id) must not wait for expiry
        assertDoesNotThrow(() -> new ReplicaLease(replica, "owner-a", "app", 30_000, clock).acquire());
    }

    @Test
    void releasedLeaseIsFreeAtOnce() throws Exception {
        FileReplica replica = new FileReplica(dir);
        ReplicaLease a = new ReplicaLease(replica, "owner-a", "app", 30_000, clock);
        a.acquire();
        a.release();
        assertDoesNotThrow(() -> new ReplicaLease(replica, "owner-b", "app", 30_000, clock).acquire());
    }

    @Test
    void aRenewalWhoseAnswerWasLostIsNotMistakenForATakeover() throws Exception {
        FileReplica replica = new FileReplica(dir);
        // The store applies the write, the answer is lost, the SDK retries and gets 412.
        ReplicaClient lossy = (ReplicaClient) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ReplicaClient.class}, (proxy, m, args) -> {
                    Object r;
                    try {
                        r = m.invoke(replica, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (m.getName().equals("writeIf") && args[2] != null) {
                        throw new PreconditionFailedException("412 on the retried request");
                    }
                    return r;
                });
        ReplicaLease a = new ReplicaLease(lossy, "owner-a", "app", 30_000, clock);
        a.acquire();
        clock.advanceMillis(16_000); // past TTL/2: the renewal is due and goes out
        assertDoesNotThrow(a::renewIfDue, "our own write landed: the lease is still ours");
        ReplicaLease b = new ReplicaLease(replica, "owner-b", "app", 30_000, clock);
        assertThrows(ReplicaLease.HeldException.class, b::acquire, "and it was really renewed");
    }
}
