package dev.walship.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.cli.Main;
import dev.walship.config.AdminConfig;
import dev.walship.config.DbConfig;
import dev.walship.config.ReplicaSpec;
import dev.walship.config.Secret;
import dev.walship.config.SidecarConfig;
import dev.walship.db.Sidecar;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP rules of the admin API (routing, limits, auth, binding), on a sidecar that was never started. */
class AdminHttpTest {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    private AdminServer admin;

    @AfterEach
    void close() {
        if (admin != null) admin.close();
    }

    private Sidecar idleSidecar() {
        return new Sidecar(SidecarConfig.of(List.of(DbConfig.of(dir.resolve("app.db"),
                List.of(ReplicaSpec.file(dir.resolve("replica")))))), Clock.systemUTC());
    }

    /** An admin server with the built-in routes plus a test echo route and a test mutating route. */
    private void start(Secret token) throws IOException {
        admin = AdminServer.bind(new AdminConfig("127.0.0.1", 0, token), idleSidecar(), Clock.systemUTC());
        admin.route("POST", "/v1/echo", true,
                r -> AdminServer.Response.text(200, "got " + r.body().length + " bytes\n"));
        admin.route("POST", "/v1/test-mutation", true, r -> AdminServer.Response.text(200, "done\n"));
        admin.start();
    }

    private HttpResponse<String> send(String method, String path, HttpRequest.BodyPublisher body, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort() + path))
                .timeout(Duration.ofSeconds(10)).method(method, body);
        if (headers.length > 0) b.headers(headers);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String method, String path, String... headers) throws Exception {
        return send(method, path, HttpRequest.BodyPublishers.noBody(), headers);
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405WithAllow() throws Exception {
        start(null);
        HttpResponse<String> r = send("GET", "/nope");
        assertEquals(404, r.statusCode());
        assertTrue(r.body().contains("/healthz") && r.body().contains("/metrics") && r.body().contains("/v1/status"),
                r.body());
        assertEquals(404, send("GET", "/healthz/extra").statusCode(), "paths match exactly");
        assertEquals(404, send("GET", "/").statusCode());

        HttpResponse<String> post = send("POST", "/healthz");
        assertEquals(405, post.statusCode());
        assertEquals("GET", post.headers().firstValue("Allow").orElse(null));
        assertEquals(405, send("DELETE", "/metrics").statusCode());
        assertEquals(405, send("PUT", "/v1/status").statusCode());
        assertEquals(405, send("GET", "/v1/echo").statusCode());
        assertEquals("POST", send("GET", "/v1/echo").headers().firstValue("Allow").orElse(null));
        assertEquals("no-store", send("GET", "/healthz").headers().firstValue("Cache-Control").orElse(null));
    }

    @Test
    void bodiesAreLimitedTo64KiB() throws Exception {
        start(new Secret(TOKEN.getBytes(StandardCharsets.US_ASCII)));
        String[] auth = {"Authorization", "Bearer " + TOKEN};
        byte[] max = new byte[AdminServer.MAX_BODY_BYTES];
        HttpResponse<String> ok = send("POST", "/v1/echo", HttpRequest.BodyPublishers.ofByteArray(max), auth);
        assertEquals(200, ok.statusCode());
        assertEquals("got 65536 bytes\n", ok.body());

        byte[] big = new byte[AdminServer.MAX_BODY_BYTES + 1];
        HttpResponse<String> declared = send("POST", "/v1/echo", HttpRequest.BodyPublishers.ofByteArray(big), auth);
        assertEquals(413, declared.statusCode(), "refused on its Content-Length");
        assertEquals(413, send("POST", "/nope", HttpRequest.BodyPublishers.ofByteArray(big)).statusCode(),
                "whatever the path");

        // Without a Content-Length (chunked), the body is read up to the limit and then refused.
        HttpResponse<String> chunked = send("POST", "/v1/echo",
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[200_000])), auth);
        assertEquals(413, chunked.statusCode());
        HttpResponse<String> smallChunked = send("POST", "/v1/echo",
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[1000])), auth);
        assertEquals("got 1000 bytes\n", smallChunked.body());

        // Read-only endpoints take no body: a body is refused without being read.
        HttpResponse<String> getWithBody = send("GET", "/v1/status", HttpRequest.BodyPublishers.ofByteArray(new byte[10]));
        assertEquals(400, getWithBody.statusCode());
        assertTrue(getWithBody.body().contains("takes no request body"), getWithBody.body());
    }

    @Test
    void mutatingRoutesNeedTheBearerToken() throws Exception {
        start(new Secret(TOKEN.getBytes(StandardCharsets.US_ASCII)));
        HttpResponse<String> none = send("POST", "/v1/test-mutation");
        assertEquals(401, none.statusCode());
        assertEquals("Bearer realm=\"walship\"", none.headers().firstValue("WWW-Authenticate").orElse(null));
        assertEquals(401, send("POST", "/v1/test-mutation", "Authorization", "Bearer wrong-token-wrong-token").statusCode());
        assertEquals(401, send("POST", "/v1/test-mutation", "Authorization", "Basic " + TOKEN).statusCode());
        HttpResponse<String> ok = send("POST", "/v1/test-mutation", "Authorization", "Bearer " + TOKEN);
        assertEquals(200, ok.statusCode());
        assertEquals("done\n", ok.body());
        assertEquals(200, send("GET", "/healthz").statusCode(), "reading needs no token");
    }

    @Test
    void withoutATokenMutatingRoutesAreOff() throws Exception {
        start(null);
        HttpResponse<String> r = send("POST", "/v1/test-mutation", "Authorization", "Bearer " + TOKEN);
        assertEquals(403, r.statusCode());
        assertTrue(r.body().contains("admin-token-file"), r.body());
    }

    @Test
    void aNonLoopbackAddressWithoutATokenIsRefused() throws Exception {
        // the record refuses it, so no AdminServer can be built for it
        assertThrows(IllegalArgumentException.class, () -> new AdminConfig("0.0.0.0", 0, null));
        // and the command line says so in one line, exit 2, before anything starts
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute("replicate",
                "--db", dir.resolve("app.db").toString(), "--replica", dir.resolve("replica").toString(),
                "--admin-listen", "0.0.0.0:9090");
        assertEquals(2, code, err.toString());
        assertEquals("walship: --admin-listen: \"0.0.0.0:9090\" is not a loopback address, and no admin-token is set"
                + " (set admin-token-file, or listen on 127.0.0.1)\n", err.toString());
    }

    @Test
    void aTakenAddressFailsWithAClearMessage() throws Exception {
        start(null);
        int port = admin.address().getPort();
        IOException e = assertThrows(IOException.class,
                () -> AdminServer.bind(new AdminConfig("127.0.0.1", port, null), idleSidecar(), Clock.systemUTC()));
        assertTrue(e.getMessage().startsWith("admin API: cannot listen on 127.0.0.1:" + port), e.getMessage());
        assertTrue(e.getMessage().contains("admin-listen: off"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AdminServer.bind(AdminConfig.OFF, idleSidecar(),
                Clock.systemUTC()));
    }

    @Test
    void readTimeoutsAreSetForTheJdkServer() throws Exception {
        Class.forName(AdminServer.class.getName(), true, AdminServer.class.getClassLoader());
        // The JDK server reads these once, when its first server is made (walship makes no other).
        assertEquals("10", System.getProperty("sun.net.httpserver.maxReqTime"));
        // long enough for a deploy hook's longest wait (10 minutes) and its answer
        assertEquals(Integer.toString(AdminServer.EXCHANGE_TIMEOUT_SECONDS), System.getProperty("sun.net.httpserver.maxRspTime"));
        assertTrue(AdminServer.EXCHANGE_TIMEOUT_SECONDS > HookBody.MAX_TIMEOUT.toSeconds());
        // checked every 10 s, not every second (idle CPU); still at most twice the header timeout
        assertEquals("10000", System.getProperty("sun.net.httpserver.timerMillis"));
    }
}
