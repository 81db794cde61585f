package dev.walship.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code bench/run.sh --smoke} (start-up and keeping-up, once each, about 10-25 s) and checks
 * that it exits 0 and writes its JSON result. walship runs from the test classpath (the jar is only
 * built in the package phase); Litestream runs too if {@code bench/node_modules} has it, otherwise
 * the JSON must say it was left out. No performance threshold is asserted here, only that the
 * harness works and that walship's SIGTERM contract (exit 0) holds under a max-rate writer.
 */
class BenchSmokeTest {
    @TempDir Path tmp;

    @Test
    void smokeRunWritesJson() throws Exception {
        Path root = Path.of(System.getProperty("user.dir"));
        Path script = root.resolve("bench/run.sh");
        assertTrue(Files.isRegularFile(script), "missing " + script);
        Path json = tmp.resolve("results.json");
        Path log = tmp.resolve("bench.log");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), "--smoke",
                "--out", tmp.resolve("out").toString(), "--json", json.toString())
                .directory(root.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("WALSHIP_CP", System.getProperty("java.class.path"));
        pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process p = pb.start();
        if (!p.waitFor(240, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("bench --smoke timed out\n" + tail(log));
        }
        assertEquals(0, p.exitValue(), "bench --smoke failed\n" + tail(log));
        assertTrue(Files.isRegularFile(json), "no JSON written\n" + tail(log));

        JsonNode doc = new ObjectMapper().readTree(json.toFile());
        JsonNode meta = doc.path("meta");
        for (String k : List.of("date", "mode", "nproc", "litestream_included", "tools", "walship_java_opts")) {
            assertTrue(meta.has(k), "meta." + k + " missing: " + meta);
        }
        assertEquals("smoke", meta.path("mode").asText());
        assertEquals(0, doc.path("errors").size(), "scenario errors: " + doc.path("errors"));

        boolean litestream = Files.isExecutable(root.resolve("bench/node_modules/@flydotio/litestream-linux-x64/litestream"))
                || System.getenv("LITESTREAM") != null;
        assertEquals(litestream, meta.path("litestream_included").asBoolean(), meta.toString());
        if (!litestream) {
            assertTrue(meta.path("note").asText().contains("walship only"), meta.toString());
        }
        List<String> tools = litestream ? List.of("walship", "litestream") : List.of("walship");
        JsonNode res = doc.path("results");
        for (String tool : tools) {
            JsonNode startup = res.path("10_startup").path(tool).path("startup_s");
            assertTrue(startup.path("median").asDouble() > 0, tool + " start-up: " + startup);
            JsonNode keep = res.path("2_keepup").path(tool);
            for (String k : List.of("shipped_while_writing", "shipped_after_stop", "wal_peak_mb", "flush_s",
                    "exit_code", "rss_load_mb", "cpu_s")) {
                assertTrue(keep.has(k), tool + " 2_keepup." + k + " missing: " + keep);
            }
        }
        if (!litestream) {
            assertFalse(res.path("10_startup").has("litestream"));
        }
        JsonNode walship = res.path("2_keepup").path("walship");
        assertEquals(0, walship.path("exit_code").path(0).asInt(-1), "walship exit code after SIGTERM: " + walship);
        assertEquals(1.0, walship.path("shipped_after_stop").path("median").asDouble(), 1e-9,
                "everything written must be restorable after walship's final sync: " + walship);
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log, StandardCharsets.UTF_8);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }
}
