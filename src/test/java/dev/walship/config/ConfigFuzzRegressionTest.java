package dev.walship.config;

import dev.walship.fuzz.Fuzz;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replays every stored sidecar.yml (src/test/resources/fuzz/config) and replica URL
 * (src/test/resources/fuzz/replica-url) through the checks of ConfigPropertyTest and ReplicaUrlPropertyTest.
 */
class ConfigFuzzRegressionTest {
    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> everyStoredConfigGetsItsVerdict() throws Exception {
        ConfigPropertyTest p = new ConfigPropertyTest();
        p.dir = tmp;
        p.secretsOnDisk();
        return Fuzz.replayAll(p.property(0, 0), f -> new String(f.bytes(), StandardCharsets.UTF_8));
    }

    @TestFactory
    Stream<DynamicTest> everyStoredReplicaUrlGetsItsVerdict() {
        return Fuzz.replayAll(ReplicaUrlPropertyTest.property(0, 0), f -> new String(f.bytes(), StandardCharsets.UTF_8));
    }
}
