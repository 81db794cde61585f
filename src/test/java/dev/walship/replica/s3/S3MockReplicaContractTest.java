package dev.walship.replica.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import dev.walship.config.ReplicaSpec;
import dev.walship.replica.ReplicaClient;
import dev.walship.replica.ReplicaContractTest;
import dev.walship.segment.FileInfo;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Set;
import dev.walship.replica.PreconditionFailedException;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The replica contract against Adobe S3Mock running in-process (one instance for the class, loopback only).
 *
 * <p>One contract test is skipped here: S3Mock 5.2.0 checks {@code If-None-Match: *} and then writes without a
 * lock, so of four concurrent conditional creates all four succeed (sequentially it answers 412 correctly). That is
 * the test server's limitation, not the backend's: {@link S3ProxyReplicaContractTest} runs the same test, and its
 * own racing-creators test, against a store that is atomic.
 */
@ExtendWith(S3MockReplicaContractTest.SkipRacesS3MockCannotHold.class)
class S3MockReplicaContractTest extends ReplicaContractTest {
    static final String BUCKET = "walship-contract";

    @RegisterExtension
    static final S3MockExtension S3 = S3MockExtension.builder()
            .silent().withHttpPort(0).withHttpsPort(0)
            .withProperty("server.address", "127.0.0.1")
            .withProperty("spring.main.sources", LoopbackConnectors.class.getName())
            .build();

    /** One client for the bucket's life; each test's replica borrows it (and so does not close it). */
    static S3Client admin;

    static URI endpoint() {
        return URI.create("http://127.0.0.1:" + S3.getHttpPort());
    }

    @BeforeAll
    static void createBucket() {
        admin = S3Support.client(endpoint(), "any", "any");
        admin.createBucket(b -> b.bucket(BUCKET));
    }

    @AfterAll
    static void closeAdmin() {
        if (admin != null) admin.close();
    }

    @Override
    protected ReplicaClient newClient(String uniquePrefix) {
        // the real factory path: S3Replica.create builds its own client from the spec
        return S3Replica.create(ReplicaSpec.s3(new ReplicaSpec.S3(BUCKET, uniquePrefix, endpoint(), null, true,
                ReplicaSpec.ChecksumMode.WHEN_SUPPORTED, null, "any", "any")));
    }

    /** Disables the contract tests that need an atomic conditional create (see the class comment). */
    static final class SkipRacesS3MockCannotHold implements ExecutionCondition {
        private static final Set<String> NEEDS_ATOMIC_CREATE = Set.of("conditionalCreateLetsExactlyOneWriterWin");

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getTestMethod().filter(m -> NEEDS_ATOMIC_CREATE.contains(m.getName())).isPresent()
                    ? ConditionEvaluationResult.disabled("S3Mock's If-None-Match is not atomic under concurrency;"
                            + " covered by S3ProxyReplicaContractTest")
                    : ConditionEvaluationResult.enabled("runs on S3Mock");
        }
    }

    @Test
    void sequentialConditionalCreateIsRefused() throws IOException {
        client.writeIf("lease.json", new byte[] {1}, null);
        assertThrows(PreconditionFailedException.class, () -> client.writeIf("lease.json", new byte[] {2}, null));
    }

    @Test
    void borrowedClientIsNotClosedByTheReplica() throws IOException {
        try (S3Replica r = new S3Replica(admin, ReplicaSpec.s3(new ReplicaSpec.S3(BUCKET, "borrowed", endpoint(),
                null, true, null, null, null, null)))) {
            r.writeObject("x", new byte[] {1});
        }
        // still usable after the replica closed
        assertEquals(1, admin.getObjectAsBytes(b -> b.bucket(BUCKET).key("borrowed/x")).asByteArray().length);
    }

    @Test
    void whenRequiredChecksumModeWorksToo() throws IOException {
        try (S3Replica r = S3Replica.create(ReplicaSpec.s3(new ReplicaSpec.S3(BUCKET, "when-required", endpoint(),
                "us-east-1", true, ReplicaSpec.ChecksumMode.WHEN_REQUIRED, "STANDARD_IA", "any", "any")))) {
            FileInfo f = FileInfo.segment(0, 1, 2, 1000, 2000, -1);
            r.upload(f, localFile(bytes(5000, 1)));
            r.writeObject("m", new byte[] {1, 2});
            assertEquals(List.of(f.withSize(5000)), r.listFiles());
            r.delete(List.of(f));
            assertTrue(r.listFiles().isEmpty());
        }
    }
}
