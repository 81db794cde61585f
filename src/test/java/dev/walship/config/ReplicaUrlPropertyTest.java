package dev.walship.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.fuzz.Fuzz;
import dev.walship.fuzz.Mutate;
import dev.walship.segment.FileInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Any string as a replica URL: a spec that parses back from its own safeUrl() and keeps every object inside its
 * directory or prefix, or problems that are one line each under the key path; nothing else escapes, and a URL
 * that came from a secret is never shown. Complements ReplicaUrlsTest (fixed cases and exact wording).
 */
class ReplicaUrlPropertyTest {
    static final String KEY = "dbs[0].replicas[0]";
    static final String MARK = "SECRETMARK";
    static final List<String> VALID = List.of("file:///backups/app", "/backups/app", "file:/x/y", "/a/./b/../c/",
            "s3://my-bucket/app", "s3://my-bucket", "s3://my-bucket/a/b?endpoint=http://127.0.0.1:9000&region=us-east-1"
                    + "&path-style=true&checksum=when-required&storage-class=STANDARD_IA",
            "gs://my-gcs-bucket/events", "gcs://b-1/x?endpoint=http://localhost:4443&credentials-file=/run/secrets/g.json",
            "s3://AKIA:SECRET@bucket/x", "s3://b/x?secret=SECRET", "file:///my%20app", "s3://b/%2e%2e/x");

    @Test
    void anyStringParsesToASafeSpecOrToOneLineProblems() {
        Fuzz.Property<String> p = property(20240618L, 3000);
        Map<String, Integer> seen = Fuzz.run(p);
        for (String outcome : List.of("file", "s3", "gcs", "refused")) {
            assertTrue(seen.getOrDefault(outcome, 0) > 50, outcome + ": " + seen);
        }
    }

    static Fuzz.Property<String> property(long seed, int tries) {
        return Fuzz.property("replica-url", seed, tries, rnd -> url(rnd, true),
                s -> s.getBytes(StandardCharsets.UTF_8), ReplicaUrlPropertyTest::check);
    }

    /** A replica URL: valid, mangled or random text, perhaps carrying the secret marker. */
    static String url(Random rnd, boolean mark) {
        String u = switch (rnd.nextInt(6)) {
            case 0 -> VALID.get(rnd.nextInt(VALID.size()));
            case 1 -> List.of("file://", "s3://", "gs://", "/", "").get(rnd.nextInt(5)) + Mutate.randomText(rnd, 60);
            case 2 -> Mutate.randomText(rnd, 40);
            default -> Mutate.text(VALID.get(rnd.nextInt(VALID.size())), rnd);
        };
        if (mark && rnd.nextInt(4) == 0) {
            int at = rnd.nextInt(u.length() + 1);
            u = u.substring(0, at) + MARK + u.substring(at);
        }
        return mark ? u.replace("SECRET", MARK) : u;
    }

    static String check(String url) throws ConfigException {
        // as written in sidecar.yml
        Problems shown = new Problems();
        ReplicaSpec spec = ReplicaUrls.parse(url, KEY, false, shown);
        // as read from a secret file: the same verdict, with nothing of the URL in the problems
        Problems hidden = new Problems();
        ReplicaSpec same = ReplicaUrls.parse(url, KEY, true, hidden);
        assertEquals(spec, same);
        assertEquals(shown.size(), hidden.size());
        for (String problem : hidden.list()) {
            assertFalse(problem.contains(MARK), "a secret URL shows: " + problem);
        }
        if (spec == null) {
            assertFalse(shown.isEmpty(), "refused without a reason");
            // as the user sees them: through a ConfigException
            for (String problem : new ConfigException(shown.list()).problems()) {
                assertTrue(problem.startsWith(KEY + ": ") && problem.length() > KEY.length() + 2, problem);
                assertFalse(problem.contains("\n") || problem.contains("\r"), "one line: " + problem);
            }
            return "refused";
        }
        assertTrue(shown.isEmpty(), shown.list().toString());
        assertEquals(spec, ReplicaUrls.parse(spec.safeUrl(), KEY), "safeUrl parses back");
        String object = FileInfo.snapshot(1, 1, -1).name();
        if (spec.type() == ReplicaType.FILE) {
            Path root = spec.path();
            assertTrue(root.isAbsolute() && root.equals(root.normalize()), root.toString());
            assertTrue(root.resolve(object).normalize().startsWith(root));
        } else {
            String prefix = spec.prefix();
            assertFalse(spec.bucket().contains("@"), "credentials in a URL are refused");
            assertFalse(prefix.startsWith("/") || prefix.endsWith("/") || prefix.contains("//"), prefix);
            for (String part : prefix.isEmpty() ? new String[0] : prefix.split("/")) {
                assertFalse(part.equals(".") || part.equals(".."), "dot part in " + prefix);
            }
            assertTrue(prefix.chars().noneMatch(c -> c < 0x20 || c == 0x7f), "control character in " + prefix);
            assertNull(spec.s3() == null ? null : spec.s3().secretAccessKey(), "a URL never carries credentials");
        }
        return spec.type().name().toLowerCase(java.util.Locale.ROOT);
    }
}
