package dev.walship.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.fuzz.Fuzz;
import dev.walship.fuzz.Mutate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Object names are the one thing a replica listing trusts without opening a file, so FileInfo.parse must accept
 * exactly the names FileInfo.name() writes: one name per file, which rules out "../", absolute paths, NUL,
 * separators and long names, and keeps every accepted name two levels inside the replica root.
 */
class FileInfoPropertyTest {
    static final Path ROOT = Path.of("/replica/root");

    @Test
    void parseAcceptsOnlyCanonicalNamesInsideTheRoot() {
        Fuzz.Property<String> p = Fuzz.property("file-info", 20240614L, 3000, rnd -> switch (rnd.nextInt(4)) {
            case 0 -> Mutate.randomText(rnd, 120);
            case 1 -> random(rnd).name();
            default -> Mutate.text(random(rnd).name(), rnd);
        }, s -> s.getBytes(StandardCharsets.UTF_8), FileInfoPropertyTest::check);
        Map<String, Integer> seen = Fuzz.run(p);
        assertTrue(seen.getOrDefault("parsed", 0) > 500 && seen.getOrDefault("ignored", 0) > 1000, seen.toString());
    }

    static String check(String name) {
        Optional<FileInfo> f = FileInfo.parse(name, 7);
        if (f.isEmpty()) return "ignored";
        assertEquals(name, f.get().name(), "only the canonical spelling of a file is accepted");
        assertEquals(7, f.get().size());
        Path resolved = ROOT.resolve(name).normalize();
        assertTrue(resolved.startsWith(ROOT) && resolved.getNameCount() == ROOT.getNameCount() + 2,
                name + " resolves to " + resolved);
        assertTrue(List.of("snapshots", "L0", "L1", "L2").contains(resolved.getParent().getFileName().toString()));
        return "parsed";
    }

    @Test
    void everyFileRoundTripsThroughItsName() {
        Fuzz.Property<FileInfo> p = Fuzz.property("file-info-roundtrip", 20240615L, 2000,
                FileInfoPropertyTest::random, f -> f.name().getBytes(StandardCharsets.UTF_8), f -> {
                    assertEquals(Optional.of(f.withSize(123)), FileInfo.parse(f.name(), 123));
                    return f.kind().toString();
                });
        Map<String, Integer> seen = Fuzz.run(p);
        assertTrue(seen.getOrDefault("SNAPSHOT", 0) > 100 && seen.getOrDefault("SEGMENT", 0) > 100, seen.toString());
    }

    /** Any valid identity, including txids and times near the edges of their ranges. */
    static FileInfo random(Random rnd) {
        long min = 1 + (rnd.nextBoolean() ? rnd.nextInt(1000) : rnd.nextLong() & Long.MAX_VALUE - 1);
        long max = rnd.nextBoolean() ? min : min + (rnd.nextLong() & Long.MAX_VALUE) % (Long.MAX_VALUE - min + 1);
        long t0 = rnd.nextBoolean() ? rnd.nextLong() : rnd.nextInt(1 << 30);
        long t1 = rnd.nextBoolean() ? t0 : t0 + (rnd.nextLong() & Long.MAX_VALUE) % (Long.MAX_VALUE - Math.max(t0, 0));
        if (rnd.nextInt(3) == 0) return FileInfo.snapshot(min, t0, -1);
        return FileInfo.segment(rnd.nextInt(FileInfo.MAX_LEVEL + 1), min, max, t0, Math.max(t0, t1), -1);
    }
}
