package dev.walship.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReplicaUrlsTest {

    @ParameterizedTest
    @CsvSource({"file:///backups/app,/backups/app", "/backups/app,/backups/app", "file:///a/../b/./c,/b/c",
        "/backups/app/,/backups/app", "FILE:///x,/x", "file:/backups/app,/backups/app",
        "file:///my%20app,/my app", "'  /padded  ',/padded"})
    void acceptsFileUrlsAndAbsolutePaths(String url, String path) throws ConfigException {
        ReplicaSpec spec = ReplicaUrls.parse(url, "r");
        assertEquals(ReplicaType.FILE, spec.type());
        assertEquals(Path.of(path), spec.path());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ftp://host/x|dbs[1].replicas[0].url: unsupported scheme \"ftp\" (use file:///path, an absolute path,"
            + " s3://bucket/path or gs://bucket/path)",
        "backups/app|k: relative path \"backups/app\" (use an absolute path starting with /, or file:///path)",
        "./backups|k: relative path \"./backups\"",
        "file://backups/app|k: file URL has a host \"backups\" (file URLs cannot name a host; write"
            + " \"file:///backups/app\" with three slashes)",
        "file://localhost/x|k: file URL has a host \"localhost\"",
        "file:///x?mode=ro|k: file URLs cannot have a query string",
        "file:///x#frag|k: file URLs cannot have a fragment",
        "file:backups|k: file URL has no absolute path",
        "file:///x%zz|k: bad percent-escape",
        "file:///x%00y|k: contains a NUL character"})
    void rejectsBadUrlsWithOneClearLine(String url, String expected) {
        String key = expected.substring(0, expected.indexOf(':'));
        ConfigException e = assertThrows(ConfigException.class, () -> ReplicaUrls.parse(url, key));
        assertEquals(1, e.problems().size());
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
        assertTrue(e.getMessage().endsWith(")"), "ends with how to fix: " + e.getMessage());
    }

    @Test
    void rejectsEmptyAndNul() {
        assertEquals("k: empty replica URL (use file:///path, an absolute path, s3://bucket/path or gs://bucket/path)",
                assertThrows(ConfigException.class, () -> ReplicaUrls.parse("", "k")).getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> ReplicaUrls.parse(null, "k")).getMessage()
                .startsWith("k: empty replica URL"));
        assertTrue(assertThrows(ConfigException.class, () -> ReplicaUrls.parse("/a\0b", "k")).getMessage()
                .startsWith("k: contains a NUL character"));
    }

    @Test
    void safeUrlParsesBack() throws ConfigException {
        for (String p : new String[] {"/backups/app", "/odd dir/100%/x?y#z"}) {
            ReplicaSpec spec = ReplicaSpec.file(Path.of(p));
            assertEquals(spec, ReplicaUrls.parse(spec.safeUrl(), "k"));
        }
        assertEquals("file:///backups/app", ReplicaSpec.file(Path.of("/backups/app")).safeUrl());
    }

    @Test
    void specRequiresAbsolutePath() {
        assertThrows(IllegalArgumentException.class, () -> ReplicaSpec.file(Path.of("rel")));
        assertThrows(NullPointerException.class, () -> new ReplicaSpec(null, Path.of("/x")));
    }
}
