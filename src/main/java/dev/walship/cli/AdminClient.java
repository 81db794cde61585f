package dev.walship.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** The deploy hooks' HTTP client: one POST to the sidecar's admin API, one JSON line out, an exit code. */
final class AdminClient {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Where the sidecar listens by default, also inside its container. */
    static final String DEFAULT_ADMIN = "http://127.0.0.1:9090";

    /** Options every hook takes; defaults come from the environment so that CI needs none inside the container. */
    static final class Options {
        @Option(names = "--db", paramLabel = "NAME", description = "The database (required when the sidecar has several).")
        String db;

        @Option(names = "--admin", paramLabel = "URL", defaultValue = "${env:WALSHIP_ADMIN:-" + DEFAULT_ADMIN + "}",
                description = "The sidecar's admin API (default $WALSHIP_ADMIN or " + DEFAULT_ADMIN + ").")
        String admin;

        @Option(names = "--token-file", paramLabel = "FILE", defaultValue = "${env:WALSHIP_ADMIN_TOKEN_FILE}",
                description = "File holding the admin token (default $WALSHIP_ADMIN_TOKEN_FILE).")
        Path tokenFile;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "120s",
                description = "How long the sidecar may take, e.g. 120s or 5m (default 120s, at most 10m).")
        String timeout;

        void common(ObjectNode body) {
            if (db != null) body.put("db", db);
            body.put("timeout", timeout);
        }
    }

    private final Options o;
    private final CommandSpec spec;

    AdminClient(Options o, CommandSpec spec) {
        this.o = o;
        this.spec = spec;
    }

    /** Posts {@code body}; prints the answer's JSON on success, one line on stderr otherwise. */
    int post(String path, ObjectNode body, String what) {
        Duration timeout = parseTimeout();
        URI uri = uri(path);
        HttpRequest.Builder req = HttpRequest.newBuilder(uri)
                .timeout(timeout.plusSeconds(30)) // the sidecar answers 504 itself at the timeout; this is the backstop
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        String token = token();
        if (token != null) req.header("Authorization", "Bearer " + token);
        HttpResponse<String> resp;
        try {
            resp = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                    .send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException e) {
            throw new CliException(CliException.FAILED, what + ": the sidecar's admin API at " + o.admin + " is not"
                    + " reachable (connection refused): is walship replicate running? (or pass --admin)");
        } catch (HttpTimeoutException e) {
            throw new CliException(CliException.FAILED, what + ": no answer from " + o.admin + " within "
                    + dev.walship.config.Durations.format(timeout.plusSeconds(30)) + "; check the sidecar's log");
        } catch (IOException e) {
            throw new CliException(CliException.FAILED, what + ": request to " + o.admin + " failed: " + e.getMessage()
                    + " (is walship replicate running?)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(CliException.FAILED, what + ": interrupted");
        }
        String error = errorOf(resp);
        if (error == null) {
            spec.commandLine().getOut().println(resp.body().strip());
            spec.commandLine().getOut().flush();
            return 0;
        }
        int code = resp.statusCode();
        int exit = code >= 500 ? CliException.FAILED : CliException.BAD_INPUT;
        String hint = code == 401 || code == 403 ? " (pass --token-file with the sidecar's admin token, or set"
                + " WALSHIP_ADMIN_TOKEN_FILE)" : "";
        throw new CliException(exit, what + " failed: HTTP " + code + ": " + error + hint);
    }

    /** Null for a 2xx answer, else the server's one-line reason. */
    private static String errorOf(HttpResponse<String> resp) {
        if (resp.statusCode() / 100 == 2) return null;
        String b = resp.body() == null ? "" : resp.body().strip();
        try {
            JsonNode n = JSON.readTree(b);
            if (n != null && n.hasNonNull("error")) return n.get("error").asText();
        } catch (IOException e) {
            // not JSON (401/403/413 answer in plain text): the text itself is the reason
        }
        String line = b.lines().findFirst().orElse("(no reason given)");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }

    private Duration parseTimeout() {
        try {
            Duration d = dev.walship.config.Durations.parse(o.timeout);
            if (d.isZero() || d.compareTo(Duration.ofMinutes(10)) > 0) throw new IllegalArgumentException("between 1ms and 10m");
            return d;
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, "--timeout " + o.timeout + ": " + e.getMessage()
                    + " (e.g. --timeout 120s)");
        }
    }

    private URI uri(String path) {
        String base = o.admin.strip().replaceAll("/+$", "");
        try {
            URI u = URI.create(base + path);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
            return u;
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, "--admin " + o.admin + ": not an http URL (e.g. "
                    + DEFAULT_ADMIN + ")");
        }
    }

    private String token() {
        if (o.tokenFile == null) return null;
        try {
            String t = Files.readString(o.tokenFile, StandardCharsets.US_ASCII).strip();
            if (t.isEmpty()) throw new IOException("the file is empty");
            return t;
        } catch (IOException e) {
            throw new CliException(CliException.BAD_INPUT, "--token-file " + o.tokenFile + ": cannot read the admin token ("
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage())
                    + "); pass the file the sidecar's admin-token-file names");
        }
    }
}
