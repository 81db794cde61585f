package dev.walship.replica.gcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.replica.ReplicaClient;
import dev.walship.replica.ReplicaContractTest;
import java.io.IOException;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shared replica contract against {@link FakeGcsServer}: one server per class, one prefix per test. */
class GcsReplicaContractTest extends ReplicaContractTest {
    static final String BUCKET = "walship-contract";
    static FakeGcsServer server;
    private String prefix;

    @BeforeAll
    static void startServer() throws IOException {
        server = FakeGcsServer.start();
        server.createBucket(BUCKET);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) server.close();
    }

    @Override
    protected ReplicaClient newClient(String uniquePrefix) throws IOException {
        prefix = "replicas/" + uniquePrefix;
        return GcsReplica.create(BUCKET, prefix, Optional.empty(), Optional.of(server.endpoint()));
    }

    @AfterEach
    void noUnknownRequests() {
        assertEquals(java.util.List.of(), server.unknownRequests(), "requests the test server does not implement");
    }

    @Test
    void urlIsTheBucketAndPrefix() {
        assertEquals("gs://" + BUCKET + "/" + prefix, client.url());
    }

    @Test
    void objectsLiveUnderThePrefix() throws IOException {
        client.writeObject("walship-replica.json", new byte[] {'{', '}'});
        assertTrue(server.object(BUCKET, prefix + "/walship-replica.json").isPresent());
    }
}
