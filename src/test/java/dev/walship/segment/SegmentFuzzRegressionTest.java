package dev.walship.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.walship.fuzz.Fuzz;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Replays every stored data file (src/test/resources/fuzz/segment) through SegmentReaderPropertyTest's checks. */
class SegmentFuzzRegressionTest {
    @TestFactory
    Stream<DynamicTest> everyStoredInputGetsItsVerdict() {
        var property = SegmentReaderPropertyTest.property(0, 0);
        return Fuzz.fixtures("segment").stream().map(f -> DynamicTest.dynamicTest(f.name(), () -> assertEquals(
                f.expect(), Fuzz.replay(property, new SegmentReaderPropertyTest.Case(f.bytes(), null, true), f.name()))));
    }
}
