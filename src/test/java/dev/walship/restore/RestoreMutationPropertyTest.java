package dev.walship.restore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.walship.fuzz.Fuzz;
import dev.walship.fuzz.Mutate;
import dev.walship.restore.Restorer.IntegrityCheck;
import dev.walship.restore.Restorer.Options;
import dev.walship.segment.FileInfo;
import dev.walship.segment.UnsupportedFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One damaged object in a replica (a flipped byte, or worse) must make the restore fail naming that object and
 * leave no output: never a database that differs from the one recorded. The history is synthetic page images
 * (no SQLite needed, so no integrity check); snapshot, plain and compressed L0 segments and an L1 all take part.
 */
class RestoreMutationPropertyTest {
    static final long NOW = History.BASE + 1_000_000_000L;

    @TempDir
    Path tmp;

    @Test
    void oneDamagedObjectFailsTheRestoreNamingIt() throws Exception {
        History h = new History(Files.createDirectories(tmp.resolve("work")), 512);
        Random pages = new Random(7);
        byte[] image = new byte[0];
        for (int txid = 1; txid <= 12; txid++) {
            int size = 3 + pages.nextInt(6); // grows and shrinks
            image = java.util.Arrays.copyOf(image, size * 512);
            for (int k = 0; k < 2; k++) {
                int p = pages.nextInt(size);
                for (int i = 0; i < 512; i += 2) image[p * 512 + i] = (byte) pages.nextInt(256);
            }
            h.commitImage(image);
        }
        h.snapshot(1);
        h.segment(0, 2, 4, false);
        h.segment(0, 5, 8, true);
        h.segment(1, 2, 8, true);
        h.segment(0, 9, 12, false);
        Path out = Files.createDirectories(tmp.resolve("out")).resolve("restored.db");
        RestorePlan plan = RestorePlanner.plan(h.replica.url(), h.replica.listFiles(), new RestoreTarget.Latest(), NOW);
        List<FileInfo> used = new ArrayList<>(plan.segments());
        used.add(plan.snapshot());
        Restorer.restore(h.replica, plan, new Options(out, true, IntegrityCheck.NONE, null));
        assertArrayEquals(h.images.get(12), Files.readAllBytes(out), "the undamaged replica restores");
        Files.delete(out);

        Fuzz.Property<Damage> p = Fuzz.property("restore", 20240620L, 300, rnd -> {
            FileInfo f = used.get(rnd.nextInt(used.size()));
            byte[] original = Files.readAllBytes(h.pathOf(f));
            byte[] bad = original.clone();
            if (rnd.nextInt(4) == 0) {
                bad = Mutate.bytes(original, rnd);
            } else {
                bad[rnd.nextInt(bad.length)] ^= (byte) (1 + rnd.nextInt(255));
            }
            return new Damage(f, original, bad);
        }, Damage::bad, d -> {
            Files.write(h.pathOf(d.file()), d.bad());
            try {
                // planned from a fresh listing, as a restore would be: a truncated object is listed at its new size
                RestorePlan now = RestorePlanner.plan(h.replica.url(), h.replica.listFiles(), new RestoreTarget.Latest(),
                        NOW);
                assertTrue(now.segments().contains(d.file().withSize(d.bad().length))
                        || now.snapshot().equals(d.file().withSize(d.bad().length)), "the same plan");
                Restorer.restore(h.replica, now, new Options(out, true, IntegrityCheck.NONE, null));
                fail("restored from a damaged " + d.file().name() + ": " + (java.util.Arrays.equals(h.images.get(12),
                        Files.readAllBytes(out)) ? "same database" : "a different database"));
            } catch (RestoreException | UnsupportedFormatException e) {
                assertTrue(e.getMessage().contains(d.file().name()), "the error names the object: " + e.getMessage());
                assertFalse(Files.exists(out), "no output is left behind");
                return e instanceof RestoreException r ? r.kind().toString() : "UNSUPPORTED";
            } finally {
                Files.write(h.pathOf(d.file()), d.original());
            }
            throw new AssertionError("unreachable");
        });
        Map<String, Integer> seen = Fuzz.run(p);
        assertTrue(seen.getOrDefault("CORRUPT", 0) > 200, seen.toString());
    }

    /** One object's stored bytes before and after the damage. */
    record Damage(FileInfo file, byte[] original, byte[] bad) {
    }
}
