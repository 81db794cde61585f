package dev.walship.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
        var property = p.property(0, 0);
        return Fuzz.fixtures("wal").stream().map(f -> DynamicTest.dynamicTest(f.name(), () ->
                assertEquals(f.expect(), Fuzz.replay(property, new WalReaderPropertyTest.Case(f.bytes(), true),
                        f.name()))));
    }
}
