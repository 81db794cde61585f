package dev.walship.segment;

import dev.walship.fuzz.Fuzz;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Replays every stored data file (src/test/resources/fuzz/segment) through SegmentReaderPropertyTest's checks. */
class SegmentFuzzRegressionTest {
    @TestFactory
    Stream<DynamicTest> everyStoredInputGetsItsVerdict() {
        return Fuzz.replayAll(SegmentReaderPropertyTest.property(0, 0),
                f -> new SegmentReaderPropertyTest.Case(f.bytes(), null, true));
    }
}
