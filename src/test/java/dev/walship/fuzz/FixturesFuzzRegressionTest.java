package dev.walship.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every folder of stored fuzz inputs has a replay test; an input kept where nothing replays it guards nothing. */
class FixturesFuzzRegressionTest {
    /** Folder, and the test that replays it. */
    static final List<String> REPLAYED = List.of(
            "config",        // dev.walship.config.ConfigFuzzRegressionTest
            "replica-name",  // dev.walship.replica.file.FileReplicaNameFuzzRegressionTest
            "replica-url",   // dev.walship.config.ConfigFuzzRegressionTest
            "segment",       // dev.walship.segment.SegmentFuzzRegressionTest
            "wal");          // dev.walship.wal.WalFuzzRegressionTest

    @Test
    void everyFixtureFolderIsReplayed() throws IOException {
        try (Stream<java.nio.file.Path> s = Files.list(Fuzz.FIXTURES)) {
            assertEquals(REPLAYED, s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "a folder under " + Fuzz.FIXTURES + " without a FuzzRegressionTest (add one, and list it here)");
        }
        for (String target : REPLAYED) Fuzz.fixtures(target); // each file has its README line, and each line a file
    }
}
