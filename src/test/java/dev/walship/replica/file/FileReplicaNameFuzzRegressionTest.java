package dev.walship.replica.file;

import dev.walship.fuzz.Fuzz;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** Replays every stored object name (src/test/resources/fuzz/replica-name) through the property's checks. */
class FileReplicaNameFuzzRegressionTest {
    @TempDir
    Path parent;

    @TestFactory
    Stream<DynamicTest> everyStoredNameGetsItsVerdict() throws Exception {
        var property = FileReplicaNamePropertyTest.property(parent, 0, 0);
        // the case that found the bare "Is a directory": a mutated name had made "...." a directory first
        Files.createDirectories(parent.resolve("root/..../x"));
        return Stream.concat(Fuzz.replayAll(property, f -> new String(f.bytes(), StandardCharsets.UTF_8)),
                Stream.of(DynamicTest.dynamicTest("nothing outside the root",
                        () -> FileReplicaNamePropertyTest.assertNothingOutside(parent))));
    }
}
