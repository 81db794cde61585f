package dev.walship.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** admin-listen, admin-token(-file) and max-lag: parsing, the loopback-or-token rule, secrets, flags, describe. */
class AdminAndLagConfigTest {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef";
    private static final String DB = "dbs:\n  - {path: /data/app.db, replicas: [/b/app]}\n";

    @TempDir
    Path dir;

    private SidecarConfig load(String yaml) throws Exception {
        Path f = dir.resolve("sidecar.yml");
        Files.writeString(f, yaml);
        return ConfigLoader.load(f, Map.of());
    }

    private List<String> problems(String yaml) throws Exception {
        Path f = dir.resolve("sidecar.yml");
        Files.writeString(f, yaml);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(f, Map.of())).problems();
    }

    private Path tokenFile(String content) throws Exception {
        Path f = dir.resolve("admin-token");
        Files.writeString(f, content);
        return f;
    }

    @Test
    void defaultsAreLoopback9090WithoutTokenAndOneMinuteOfLag() throws Exception {
        SidecarConfig c = load(DB);
        assertEquals(new AdminConfig("127.0.0.1", 9090, null), c.admin());
        assertEquals(AdminConfig.defaults(), c.admin());
        assertTrue(c.admin().enabled() && c.admin().loopback());
        assertEquals("127.0.0.1:9090", c.admin().listen());
        assertEquals(Duration.ofMinutes(1), c.dbs().get(0).maxLag());
        assertEquals(Defaults.MAX_LAG, DbConfig.of(Path.of("/a.db"), List.of(ReplicaSpec.file(Path.of("/r")))).maxLag());
    }

    @Test
    void listenForms() throws Exception {
        assertEquals(AdminConfig.OFF, load("admin-listen: off\n" + DB).admin());
        assertEquals(AdminConfig.OFF, load("admin-listen: OFF\n" + DB).admin());
        AdminConfig v6 = load("admin-listen: '[::1]:9191'\n" + DB).admin();
        assertEquals("::1", v6.host());
        assertEquals("[::1]:9191", v6.listen());
        assertTrue(v6.loopback());
        assertTrue(load("admin-listen: localhost:0\n" + DB).admin().loopback());
        assertTrue(load("admin-listen: 127.1.2.3:80\n" + DB).admin().loopback());
    }

    @Test
    void badListenValuesAreOneLineEachUnderTheKey() throws Exception {
        assertEquals(List.of("admin-listen: \"9090\" is not host:port (e.g. 127.0.0.1:9090, or off)"),
                problems("admin-listen: 9090\n" + DB));
        assertEquals(List.of("admin-listen: \"127.0.0.1:99999\" has no valid port (use 0-65535, e.g. 127.0.0.1:9090)"),
                problems("admin-listen: 127.0.0.1:99999\n" + DB));
        assertEquals(List.of("admin-listen: \"::1:9090\": write an IPv6 address in brackets (e.g. [::1]:9090)"),
                problems("admin-listen: '::1:9090'\n" + DB));
        assertEquals(List.of("admin-listen: \":9090\" has no host (e.g. 127.0.0.1:9090; 0.0.0.0:9090 listens on every"
                + " interface and needs admin-token-file)"), problems("admin-listen: ':9090'\n" + DB));
        assertTrue(problems("admin-listen: 'bad host:1'\n" + DB).get(0).contains("invalid host"));
        assertTrue(problems("admin-listen: '300.1.1.1:1'\n" + DB).get(0).contains("invalid host"));
        assertTrue(problems("admin-listen: '[zz::1]:1'\n" + DB).get(0).contains("invalid IPv6"));
    }

    @Test
    void nonLoopbackWithoutTokenIsRefusedInOneLine() throws Exception {
        assertEquals(List.of("admin-listen: \"0.0.0.0:9090\" is not a loopback address, and no admin-token is set (set"
                + " admin-token-file, or listen on 127.0.0.1)"), problems("admin-listen: 0.0.0.0:9090\n" + DB));
        // host names other than localhost are never resolved while loading: they count as reachable from outside
        assertEquals(1, problems("admin-listen: admin.example.com:9090\n" + DB).size());
        assertEquals(1, problems("admin-listen: '[::]:9090'\n" + DB).size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AdminConfig("10.0.0.1", 9090, null));
        assertTrue(e.getMessage().startsWith("admin-listen: not a loopback address"), e.getMessage());

        List<String> flags = assertThrows(ConfigException.class, () -> ConfigLoader.fromFlags(Path.of("/data/app.db"),
                List.of("/b/app"), Map.of("admin-listen", "0.0.0.0:9090"))).problems();
        assertEquals(1, flags.size());
        assertTrue(flags.get(0).startsWith("--admin-listen: \"0.0.0.0:9090\" is not a loopback address"), flags.get(0));
    }

    @Test
    void tokenFromFileAllowsAnyAddressAndIsNeverShown() throws Exception {
        Path f = tokenFile(TOKEN + "\n");
        SidecarConfig c = load("admin-listen: 0.0.0.0:9090\nadmin-token-file: " + f + "\n" + DB);
        assertEquals("0.0.0.0", c.admin().host());
        assertFalse(c.admin().loopback());
        assertArrayEquals(TOKEN.getBytes(StandardCharsets.US_ASCII), c.admin().token().bytes());
        String described = c.describe();
        assertFalse(described.contains(TOKEN), described);
        assertTrue(described.contains("admin-token: <redacted>"), described);
        assertTrue(described.contains("admin-listen: 0.0.0.0:9090"), described);
        assertFalse(c.admin().toString().contains(TOKEN), c.admin().toString());

        SidecarConfig flags = ConfigLoader.fromFlags(Path.of("/data/app.db"), List.of("/b/app"),
                Map.of("admin-listen", "0.0.0.0:9191", "admin-token-file", f.toString(), "max-lag", "30s"));
        assertEquals(c.admin().token(), flags.admin().token());
        assertEquals(9191, flags.admin().port());
        assertEquals(Duration.ofSeconds(30), flags.dbs().get(0).maxLag());
        assertFalse(flags.describe().contains(TOKEN));
    }

    @Test
    void weakOrMissingTokensAreRefusedWithoutEchoingThem() throws Exception {
        Path f = tokenFile("short-secret\n");
        List<String> p = problems("admin-token-file: " + f + "\n" + DB);
        assertEquals(List.of("admin-token-file: must be at least 16 printable ASCII characters without spaces"
                + " (generate one with: openssl rand -hex 32)"), p);
        assertFalse(String.join("\n", p).contains("short-secret"));
        tokenFile("has a space in it but long enough\n");
        assertEquals(1, problems("admin-token-file: " + f + "\n" + DB).size());
        List<String> missing = problems("admin-token-file: " + dir.resolve("nope") + "\n" + DB);
        assertTrue(missing.get(0).startsWith("admin-token-file: cannot read"), missing.toString());
        List<String> flag = assertThrows(ConfigException.class, () -> ConfigLoader.fromFlags(Path.of("/data/app.db"),
                List.of("/b/app"), Map.of("admin-token-file", dir.resolve("nope").toString()))).problems();
        assertTrue(flag.get(0).startsWith("--admin-token-file: cannot read"), flag.toString());
    }

    @Test
    void adminKeysBelongAtTheTopAndMaxLagPerDatabase() throws Exception {
        assertTrue(problems("dbs:\n  - {path: /data/app.db, replicas: [/b/app], admin-listen: off}\n").get(0)
                .contains("top-level key inside a database entry"));
        assertTrue(problems("max-lag: 1m\n" + DB).get(0).startsWith("max-lag: per-database setting at the top level"));
        assertEquals(List.of("dbs[0].max-lag: must be greater than zero (e.g. 1m)"),
                problems("dbs:\n  - {path: /data/app.db, replicas: [/b/app], max-lag: 0s}\n"));
        SidecarConfig c = load("defaults:\n  max-lag: 5m\ndbs:\n  - {path: /data/a.db, replicas: [/b/a]}\n"
                + "  - {path: /data/b.db, replicas: [/b/b], max-lag: 250ms}\n");
        assertEquals(Duration.ofMinutes(5), c.dbs().get(0).maxLag());
        assertEquals(Duration.ofMillis(250), c.dbs().get(1).maxLag());
    }

    @Test
    void describeRoundTrips() throws Exception {
        SidecarConfig c = load("admin-listen: '[::1]:9191'\ndefaults:\n  max-lag: 90s\n" + DB);
        String yaml = c.describe();
        assertTrue(yaml.contains("admin-listen: \"[::1]:9191\"") || yaml.contains("admin-listen: '[::1]:9191'"), yaml);
        assertTrue(yaml.contains("max-lag: 90s"), yaml);
        assertEquals(c, load(yaml));
        SidecarConfig off = load("admin-listen: off\n" + DB);
        assertEquals(off, load(off.describe()));
        assertNull(off.admin().host());
    }
}
