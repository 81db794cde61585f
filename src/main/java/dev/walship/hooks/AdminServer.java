package dev.walship.hooks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.walship.config.AdminConfig;
import dev.walship.db.Sidecar;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP API on the JDK's built-in server: {@code GET /healthz}, {@code GET /metrics} (Prometheus text) and
 * {@code GET /v1/status} (JSON), and the deploy hooks {@code POST /v1/snapshots} and {@code POST /v1/restore}
 * ({@link DeployHooks}), served by {@value #THREADS} threads. See docs/ADMIN.md.
 *
 * <p>Endpoints are routes of a method and an exact path. A route marked mutating (the deploy hooks)
 * is only reached with {@code Authorization: Bearer <admin-token>} ({@link BearerAuth}); without a configured token
 * mutating routes are refused, whatever the address. Every request body is held to {@link #MAX_BODY_BYTES}, and the JDK
 * server closes connections whose headers take longer than {@value #HEADER_TIMEOUT_SECONDS}s or whose exchange
 * (body, handling, response) takes longer than {@value #EXCHANGE_TIMEOUT_SECONDS}s.
 *
 * <p>Use: {@link #bind} (fails at once if the address is taken), then {@link #start()} once the sidecar's runners
 * exist, then {@link #close()}.
 */
public final class AdminServer implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    /** Larger request bodies are refused with 413. */
    public static final int MAX_BODY_BYTES = 64 * 1024;
    /**
     * Of a refused body, this much is read and dropped before the 413 goes out: closing a connection with unread
     * data makes TCP reset it, and the client would lose the answer. Beyond it the connection is just closed.
     */
    static final int MAX_DISCARD_BYTES = 1024 * 1024;
    static final int HEADER_TIMEOUT_SECONDS = 10;
    /** How often the JDK server checks those timeouts. */
    static final int TIMEOUT_CHECK_MILLIS = 10_000;
    /** A deploy hook may wait up to {@link HookBody#MAX_TIMEOUT} for durability; the exchange limit must allow it. */
    static final int EXCHANGE_TIMEOUT_SECONDS = (int) HookBody.MAX_TIMEOUT.toSeconds() + 60;
    /** Serving threads: a deploy hook holds one for its whole wait, health checks must still get through. */
    static final int THREADS = 4;
    static final String TEXT = "text/plain; charset=utf-8";
    static final String JSON = "application/json";

    static {
        // The JDK server's only read timeouts are these JVM-wide properties, read once when its first server is
        // created; walship runs no other JDK HTTP server. An operator's own -D values win.
        setIfAbsent("sun.net.httpserver.maxReqTime", Integer.toString(HEADER_TIMEOUT_SECONDS));
        setIfAbsent("sun.net.httpserver.maxRspTime", Integer.toString(EXCHANGE_TIMEOUT_SECONDS));
        // The thread enforcing those two wakes this often (JDK default 1 s, ~7 ms of CPU a minute on an idle
        // sidecar): a header timeout then fires 10-20 s after the request started instead of 10-11 s.
        setIfAbsent("sun.net.httpserver.timerMillis", Integer.toString(TIMEOUT_CHECK_MILLIS));
    }

    /** A request as a handler sees it: the body is already read (at most {@link #MAX_BODY_BYTES}). */
    record Request(String method, String path, String query, Map<String, List<String>> headers, byte[] body) {}

    /** A complete response. */
    record Response(int status, String contentType, byte[] body, Map<String, String> headers) {
        static Response text(int status, String text) {
            return new Response(status, TEXT, text.getBytes(StandardCharsets.UTF_8), Map.of());
        }

        Response with(String header, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(header, value);
            return new Response(status, contentType, body, h);
        }
    }

    /** One endpoint. */
    @FunctionalInterface
    interface Handler {
        Response handle(Request request) throws IOException;
    }

    private record Route(boolean mutating, Handler handler) {}

    private final AdminConfig config;
    private final Sidecar sidecar;
    private final Clock clock;
    private final HttpServer server;
    private final ExecutorService executor;
    private final AdminMetrics metrics;
    private final DeployHooks hooks;
    /** path -> method -> route; complete before {@link #start()}, read-only afterwards. */
    private final Map<String, Map<String, Route>> routes = new LinkedHashMap<>();

    private AdminServer(AdminConfig config, Sidecar sidecar, Clock clock, HttpServer server) {
        this.config = config;
        this.sidecar = sidecar;
        this.clock = clock;
        this.server = server;
        this.metrics = new AdminMetrics(sidecar, clock);
        AtomicInteger n = new AtomicInteger();
        this.hooks = new DeployHooks(sidecar, clock, sidecar.config().keepLabels());
        this.executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "walship-admin-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::exchange);
        route("GET", "/healthz", false, this::healthz);
        route("GET", "/metrics", false, this::metrics);
        route("GET", "/v1/status", false, this::status);
        route("POST", "/v1/snapshots", true, r -> hook(r, HookBody::snapshot, hooks::snapshot));
        route("POST", "/v1/restore", true, r -> hook(r, HookBody::restore, hooks::restore));
    }

    /**
     * Binds the configured address (not serving yet).
     *
     * @throws IllegalArgumentException when the API is off ({@code admin-listen: off})
     * @throws IOException when the address cannot be bound or resolved, or (via a host name) is not loopback while
     *     no token is set; the message says what to change
     */
    public static AdminServer bind(AdminConfig config, Sidecar sidecar, Clock clock) throws IOException {
        if (!config.enabled()) throw new IllegalArgumentException("the admin API is off");
        InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
        if (address.isUnresolved()) {
            throw new IOException("admin API: cannot resolve " + config.host() + " (fix admin-listen, e.g. 127.0.0.1:9090)");
        }
        if (!address.getAddress().isLoopbackAddress() && config.token() == null) {
            // The config allows host names only with a token, or localhost; this catches a localhost that is not.
            throw new IOException("admin API: " + config.listen() + " is not a loopback address and no admin-token is"
                    + " set (set admin-token-file, or listen on 127.0.0.1)");
        }
        HttpServer server;
        try {
            server = HttpServer.create(address, 16);
        } catch (BindException e) {
            throw new IOException("admin API: cannot listen on " + config.listen() + ": " + e.getMessage()
                    + " (free the port, choose another admin-listen, or set admin-listen: off)", e);
        }
        return new AdminServer(config, sidecar, clock, server);
    }

    /** Adds an endpoint; call before {@link #start()}. Mutating endpoints require the bearer token. */
    void route(String method, String path, boolean mutating, Handler handler) {
        routes.computeIfAbsent(path, p -> new LinkedHashMap<>()).put(method, new Route(mutating, handler));
    }

    /** Starts serving. */
    public void start() {
        server.start();
        log.info("admin API listening on http://{} (/healthz, /metrics, /v1/status, POST /v1/snapshots, POST /v1/restore)",
                hostPort());
    }

    /** The bound address (with the real port when admin-listen gave port 0). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        // JDK 17's stop(n) waits the whole n seconds even when no exchange is running (JDK-8304065, fixed in 21):
        // a second added to every shutdown. Wait only for an exchange that is running.
        server.stop(inFlight.get() > 0 ? 1 : 0);
        executor.shutdownNow();
    }

    private String hostPort() {
        InetSocketAddress a = address();
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    @FunctionalInterface
    private interface BodyParser {
        HookBody parse(byte[] body) throws HookBody.Invalid;
    }

    @FunctionalInterface
    private interface HookCall {
        com.fasterxml.jackson.databind.node.ObjectNode run(HookBody body) throws HookFailure;
    }

    /** A deploy hook: 400 for a bad body, the hook's own status and JSON error when it fails, 200 and JSON otherwise. */
    private Response hook(Request r, BodyParser parser, HookCall call) {
        try {
            return json(200, call.run(parser.parse(r.body())));
        } catch (HookBody.Invalid e) {
            return json(400, HookFailure.JSON.createObjectNode().put("error", e.getMessage()));
        } catch (HookFailure e) {
            log.warn("admin request failed path={} status={} error=\"{}\"", r.path(), e.status(), e.getMessage());
            return json(e.status(), e.body());
        }
    }

    private static Response json(int status, com.fasterxml.jackson.databind.JsonNode body) {
        return new Response(status, JSON, (body.toString() + "\n").getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private Response healthz(Request r) {
        List<String> reasons = Health.reasons(sidecar.stopping(), DbState.all(sidecar, clock.millis()));
        return reasons.isEmpty() ? Response.text(200, "ok\n") : Response.text(503, String.join("\n", reasons) + "\n");
    }

    private Response metrics(Request r) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        metrics.write(out);
        return new Response(200, AdminMetrics.CONTENT_TYPE, out.toByteArray(), Map.of());
    }

    private Response status(Request r) {
        long now = clock.millis();
        String json = StatusJson.render(sidecar.stopping(), DbState.all(sidecar, now), now);
        return new Response(200, JSON, json.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private void exchange(HttpExchange ex) {
        inFlight.incrementAndGet();
        try {
            Response response;
            try {
                response = dispatch(ex);
            } catch (RuntimeException e) {
                log.warn("admin API request failed method={} path={} error=\"{}\"", ex.getRequestMethod(),
                        ex.getRequestURI().getRawPath(), e.toString());
                response = Response.text(500, "internal error (see walship's log)\n");
            }
            send(ex, response);
        } catch (IOException e) {
            log.debug("admin API exchange ended early error=\"{}\"", e.getMessage()); // client went away or timed out
        } finally {
            ex.close();
            inFlight.decrementAndGet();
        }
    }

    /** Exchanges being handled now. */
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();

    private Response dispatch(HttpExchange ex) throws IOException {
        if (declaredLength(ex) > MAX_BODY_BYTES) return tooLarge(ex.getRequestBody());
        String path = ex.getRequestURI().getRawPath();
        Map<String, Route> byMethod = routes.get(path);
        if (byMethod == null) return Response.text(404, "not found (endpoints: " + String.join(", ", routes.keySet()) + ")\n");
        Route route = byMethod.get(ex.getRequestMethod());
        if (route == null) {
            return Response.text(405, "method not allowed (use " + String.join(", ", byMethod.keySet()) + ")\n")
                    .with("Allow", String.join(", ", byMethod.keySet()));
        }
        if (route.mutating()) {
            if (config.token() == null) {
                return Response.text(403, "this endpoint changes state and needs a token: set admin-token-file\n");
            }
            if (!BearerAuth.authorized(ex.getRequestHeaders().getFirst("Authorization"), config.token())) {
                return Response.text(401, "unauthorized (send Authorization: Bearer <admin token>)\n")
                        .with("WWW-Authenticate", "Bearer realm=\"walship\"");
            }
        }
        if (!route.mutating() && declaredLength(ex) > 0) {
            // Read-only endpoints take no body; not reading one keeps a slow sender from holding a thread.
            return Response.text(400, "this endpoint takes no request body\n").with("Connection", "close");
        }
        byte[] body = route.mutating() ? readBody(ex.getRequestBody()) : new byte[0];
        if (body == null) return tooLarge(ex.getRequestBody());
        return route.handler().handle(new Request(ex.getRequestMethod(), path, ex.getRequestURI().getRawQuery(),
                ex.getRequestHeaders(), body));
    }

    private static Response tooLarge(InputStream body) throws IOException {
        byte[] buf = new byte[8192];
        for (long dropped = 0; dropped < MAX_DISCARD_BYTES; ) {
            int n = body.read(buf);
            if (n < 0) break;
            dropped += n;
        }
        // Connection: close: the JDK closes the connection afterwards instead of reading on for the next request.
        return Response.text(413, "request body larger than " + MAX_BODY_BYTES / 1024 + " KiB\n").with("Connection", "close");
    }

    /** The Content-Length header, 0 when absent, Long.MAX_VALUE when unreadable. */
    private static long declaredLength(HttpExchange ex) {
        String v = ex.getRequestHeaders().getFirst("Content-Length");
        if (v == null) return 0;
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /** The whole body, or null when it is larger than {@link #MAX_BODY_BYTES} (a chunked body can be). */
    static byte[] readBody(InputStream in) throws IOException {
        byte[] b = in.readNBytes(MAX_BODY_BYTES + 1);
        return b.length > MAX_BODY_BYTES ? null : b;
    }

    private static void send(HttpExchange ex, Response r) throws IOException {
        var h = ex.getResponseHeaders();
        h.set("Content-Type", r.contentType());
        h.set("Cache-Control", "no-store");
        h.set("X-Content-Type-Options", "nosniff");
        r.headers().forEach(h::set);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(r.status(), head || r.body().length == 0 ? -1 : r.body().length);
        if (!head && r.body().length > 0) ex.getResponseBody().write(r.body());
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) System.setProperty(property, value);
    }
}
