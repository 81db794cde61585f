package dev.walship.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** labels.json: names that can never be paths, keep-last-N, moving a label, and a damaged object named clearly. */
class LabelsTest {
    private static Labels.Label label(String name, long txid, long created) {
        return new Labels.Label(name, txid, 1000 + txid, created);
    }

    @Test
    void deployTagsAreValidAndPathsAreNot() {
        for (String ok : List.of("v1.4.2", "1.2.0+build.7", "2026-12-04.3", "release_7", "pre-restore-20261204T230000123Z",
                "a".repeat(128))) {
            assertNull(Labels.checkName(ok), ok);
        }
        for (String bad : List.of("", "../x", "/etc/passwd", "a/b", ".hidden", "-x", "a\u0000b", "a b", "v1\n", "é",
                "a".repeat(129), "..")) {
            String why = Labels.checkName(bad);
            assertNotNull(why, bad);
            assertTrue(why.contains("e.g. v1.4.2"), why);
            assertTrue(why.chars().allMatch(c -> c >= 0x20 && c < 0x7f), "message is printable: " + why);
            assertThrows(IllegalArgumentException.class, () -> label(bad, 1, 1));
        }
        assertNull(Labels.checkName("x".repeat(10_000).substring(0, 1)));
        assertTrue(Labels.checkName("x".repeat(10_000)).length() < 200, "a long name is shortened in the message");
    }

    @Test
    void keepsTheNewestNAndMovesALabelWrittenAgain() {
        Labels l = Labels.EMPTY;
        for (int i = 1; i <= 12; i++) l = l.with(label("v" + i, i * 10L, i), 10);
        assertEquals(List.of("v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12"), l.names());
        assertEquals(Set.of(30L, 40L, 50L, 60L, 70L, 80L, 90L, 100L, 110L, 120L), l.pinnedTxids());
        Labels moved = l.with(label("v5", 500, 100), 10);
        assertEquals("v5", moved.names().get(moved.names().size() - 1));
        assertEquals(500, moved.find("v5").orElseThrow().txid());
        assertEquals(10, moved.labels().size());
        assertEquals(List.of("v12"), l.with(label("v12", 5, 200), 1).names());
    }

    @Test
    void jsonRoundTrips() throws IOException {
        Labels l = Labels.EMPTY.with(label("v1", 7, 1_767_888_180_123L), 10).with(label("v2", 9, 1_767_888_190_000L), 10);
        Labels back = Labels.parse(l.toJson(), "file:///r");
        assertEquals(l, back);
        assertEquals(Labels.EMPTY, Labels.parse("{\"format\":1,\"labels\":[]}".getBytes(StandardCharsets.UTF_8), "r"));
    }

    @Test
    void aDamagedOrNewerObjectFailsNamingTheReplica() {
        List<String> damaged = List.of("", "nope", "[]", "{\"labels\":[]}", "{\"format\":1}",
                "{\"format\":1,\"labels\":[{\"label\":\"../x\",\"txid\":1,\"time\":1,\"created\":\"2026-01-01T00:00:00Z\"}]}",
                "{\"format\":1,\"labels\":[{\"label\":\"v1\",\"txid\":\"x\",\"time\":1,\"created\":\"2026-01-01T00:00:00Z\"}]}",
                "{\"format\":1,\"labels\":[{\"label\":\"v1\",\"txid\":1,\"time\":1,\"created\":\"yesterday\"}]}",
                "{\"format\":1,\"labels\":[{\"label\":\"v1\",\"txid\":0,\"time\":1,\"created\":\"2026-01-01T00:00:00Z\"}]}");
        for (String d : damaged) {
            IOException e = assertThrows(IOException.class, () -> Labels.parse(d.getBytes(StandardCharsets.UTF_8), "s3://b/p"), d);
            assertTrue(e.getMessage().contains("s3://b/p") && e.getMessage().contains("labels.json"), e.getMessage());
        }
        IOException newer = assertThrows(IOException.class,
                () -> Labels.parse("{\"format\":2,\"labels\":[]}".getBytes(StandardCharsets.UTF_8), "s3://b/p"));
        assertTrue(newer.getMessage().contains("upgrade walship"), newer.getMessage());
    }
}
