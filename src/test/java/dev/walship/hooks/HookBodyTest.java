package dev.walship.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.walship.replica.Labels;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import dev.walship.fuzz.Fuzz;
import dev.walship.fuzz.Mutate;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The deploy hooks' request bodies: valid ones parse exactly, and random bytes or mutations of valid bodies (the shared
 * seeded runner, {@link Fuzz}: bounded tries, hang and allocation limits) end in {@link HookBody.Invalid} with one
 * printable line, never in another exception.
 */
class HookBodyTest {
    private static final List<String> VALID = List.of(
            "{\"label\": \"v1.4.2\"}",
            "{\"db\": \"app\", \"label\": \"v1.4.2\", \"timeout\": \"30s\"}",
            "{\"db\": \"app\", \"to\": \"2026-01-10T14:03:00Z\"}",
            "{\"txid\": 1234, \"timeout\": \"5m\"}",
            "{\"label\": \"pre-restore-20261204T230000123Z\"}");

    @Test
    void validBodiesParseExactly() throws Exception {
        HookBody s = HookBody.snapshot(bytes("{\"db\": \"app\", \"label\": \"v1.4.2\", \"timeout\": \"30s\"}"));
        assertEquals(new HookBody("app", "v1.4.2", null, 0, Duration.ofSeconds(30)), s);
        assertEquals(HookBody.DEFAULT_TIMEOUT, HookBody.snapshot(bytes("{\"label\": \"v1\"}")).timeout());
        HookBody r = HookBody.restore(bytes("{\"to\": \"2026-01-10T15:03:00+01:00\"}"));
        assertEquals(Instant.parse("2026-01-10T14:03:00Z"), r.to());
        assertNull(r.db());
        assertEquals(1234, HookBody.restore(bytes("{\"txid\": 1234}")).txid());
    }

    @Test
    void randomBytesAndMutationsEndInOneCleanLine() {
        Map<String, Integer> seen = Fuzz.run(Fuzz.property("admin-body", 20261204L, 5000, rnd -> {
            if (rnd.nextInt(3) == 0) {
                byte[] b = new byte[rnd.nextInt(64)];
                rnd.nextBytes(b);
                return b;
            }
            return Mutate.bytes(bytes(VALID.get(rnd.nextInt(VALID.size()))), rnd);
        }, b -> b, HookBodyTest::check));
        assertTrue(seen.containsKey("accepted") && seen.containsKey("invalid"), "both paths reached: " + seen);
    }

    /** Both parsers on one body: accepted and safe to use, or one printable line. */
    static String check(byte[] body) {
        String outcome = "invalid";
        for (boolean snapshot : new boolean[] {true, false}) {
            try {
                HookBody b = snapshot ? HookBody.snapshot(body) : HookBody.restore(body);
                outcome = "accepted";
                // whatever was accepted is safe to use: a valid label, a bounded timeout, one target for a restore
                if (b.label() != null) assertNull(Labels.checkName(b.label()));
                assertTrue(b.timeout().compareTo(HookBody.MAX_TIMEOUT) <= 0 && !b.timeout().isNegative() && !b.timeout().isZero());
                if (!snapshot) {
                    int targets = (b.label() != null ? 1 : 0) + (b.to() != null ? 1 : 0) + (b.txid() > 0 ? 1 : 0);
                    assertEquals(1, targets);
                }
            } catch (HookBody.Invalid e) {
                assertNotNull(e.getMessage());
                assertTrue(e.getMessage().chars().allMatch(c -> c >= 0x20 && c < 0x7f) && e.getMessage().length() < 300,
                        "one printable line: " + e.getMessage());
            }
        }
        return outcome;
    }

    @Test
    void deeplyNestedOrHugeBodiesAreRefusedCleanly() {
        String deep = "{\"label\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
        try {
            HookBody.snapshot(bytes(deep));
            fail("accepted a nested body");
        } catch (HookBody.Invalid e) {
            assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
