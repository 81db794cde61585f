package dev.walship.wal;

import dev.walship.fuzz.Fuzz;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** Replays every stored WAL input (src/test/resources/fuzz/wal) through the property's checks. */
class WalFuzzRegressionTest {
    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> everyStoredInputGetsItsVerdict() throws Exception {
        WalReaderPropertyTest p = new WalReaderPropertyTest();
        p.tmp = tmp;
        p.fixture();
        return Fuzz.replayAll(p.property(0, 0), f -> new WalReaderPropertyTest.Case(f.bytes(), true));
    }
}
