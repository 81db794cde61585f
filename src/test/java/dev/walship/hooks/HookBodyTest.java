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
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The deploy hooks' request bodies: valid ones parse exactly, and random bytes or mutations of valid bodies end
 * in {@link HookBody.Invalid} with one printable line, never in another exception.
 */
class HookBodyTest {
    private static final List<String> VALID = List.of(
            "{\"label\": \"v1.4.2\"}",
            "{\"db\": \"app\", \"label\": \"v1.4.2\", \"timeout\": \"30s\"}",
            "{\"db\": \"app\", \"to\": \"2026-01-10T14:03:00Z\"}",
            "{\"txid\": 1234, \"timeout\": \"5m\"}",
            "{\"label\": \"pre-restore-20261204T230000123Z\"}");

    private static final byte[] NOISE = "{}[]\":,0-./\\\u0000 a".getBytes(StandardCharsets.ISO_8859_1);

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
        Random rnd = new Random(20261204);
        int accepted = 0;
        for (int i = 0; i < 5000; i++) {
            byte[] body;
            if (i % 3 == 0) {
                body = new byte[rnd.nextInt(64)];
                rnd.nextBytes(body);
            } else {
                body = bytes(VALID.get(rnd.nextInt(VALID.size())));
                int edits = 1 + rnd.nextInt(4);
                for (int e = 0; e < edits && body.length > 0; e++) {
                    int at = rnd.nextInt(body.length);
                    switch (rnd.nextInt(3)) {
                        case 0 -> body[at] = (byte) rnd.nextInt(256);
                        case 1 -> body = java.util.Arrays.copyOf(body, at);
                        default -> body[at] = NOISE[rnd.nextInt(NOISE.length)];
                    }
                }
            }
            for (boolean snapshot : new boolean[] {true, false}) {
                try {
                    HookBody b = snapshot ? HookBody.snapshot(body) : HookBody.restore(body);
                    accepted++;
                    // whatever was accepted is safe to use: a valid label, a bounded timeout
                    if (b.label() != null) assertNull(Labels.checkName(b.label()));
                    assertTrue(b.timeout().compareTo(HookBody.MAX_TIMEOUT) <= 0 && !b.timeout().isNegative());
                } catch (HookBody.Invalid e) {
                    assertNotNull(e.getMessage());
                    assertTrue(e.getMessage().chars().allMatch(c -> c >= 0x20 && c < 0x7f) && e.getMessage().length() < 300,
                            "one printable line: " + e.getMessage());
                } catch (RuntimeException e) {
                    fail("body " + new String(body, StandardCharsets.ISO_8859_1) + " escaped with " + e, e);
                }
            }
        }
        assertTrue(accepted > 0, "some mutations stay valid, so the accepting path is exercised too");
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
