package dev.walship.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The runner itself: what it promises the properties (replayable cases, hangs, allocation, saved inputs). */
class HarnessPropertyTest {

    private static Fuzz.Property<byte[]> property(String target, Duration budget, long maxAlloc, Fuzz.Check<byte[]> check) {
        return new Fuzz.Property<>(target, 42, 50, budget, maxAlloc, rnd -> Fuzz.randomBytes(rnd, 64), b -> b, check);
    }

    @Test
    void aFailingCaseIsNamedAndItsInputSaved() throws Exception {
        AssertionError e = assertThrows(AssertionError.class, () -> Fuzz.run(property("harness-fail",
                Duration.ofSeconds(10), 1 << 20, b -> {
                    if (b.length > 40) throw new IllegalStateException("too long");
                    return "ok";
                })));
        assertTrue(e.getMessage().startsWith("harness-fail case "), e.getMessage());
        String name = e.getMessage().replaceAll("(?s).*input saved to (\\S+) .*", "$1");
        byte[] saved = Files.readAllBytes(Path.of(name));
        assertTrue(saved.length > 40, "the saved input is the failing one");
        // and the same case comes back from the same seed and index
        int index = Integer.parseInt(e.getMessage().replaceAll("(?s)harness-fail case (\\d+) .*", "$1"));
        Random again = Fuzz.caseRandom(42, index);
        assertArrayEquals(saved, Fuzz.randomBytes(again, 64));
    }

    @Test
    void aHangFailsWithinTheBudget() {
        long t0 = System.nanoTime();
        AssertionError e = assertThrows(AssertionError.class, () -> Fuzz.run(property("harness-hang",
                Duration.ofMillis(300), 1 << 20, b -> {
                    while (!Thread.currentThread().isInterrupted()) Thread.onSpinWait();
                    return "interrupted";
                })));
        assertTrue(e.getMessage().contains("a hang"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos());
    }

    @Test
    void allocatingFromADeclaredSizeFails() {
        AssertionError e = assertThrows(AssertionError.class, () -> Fuzz.run(property("harness-alloc",
                Duration.ofSeconds(10), 1 << 20, b -> new byte[4 << 20].length > 0 ? "big" : "none")));
        assertTrue(e.getMessage().contains("allocated"), e.getMessage());
    }

    @Test
    void outcomesAreCountedForEveryTry() {
        Map<String, Integer> seen = Fuzz.run(property("harness-count", Duration.ofSeconds(10), 1 << 20,
                b -> b.length % 2 == 0 ? "even" : "odd"));
        assertEquals(50, seen.values().stream().mapToInt(Integer::intValue).sum());
    }
}
