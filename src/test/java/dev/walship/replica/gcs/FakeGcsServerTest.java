package dev.walship.replica.gcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The test server's protocol details that the GCS client does not exercise on its own (raw HTTP). */
class FakeGcsServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static FakeGcsServer server;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        server = FakeGcsServer.start();
        server.createBucket("b");
        for (String n : List.of("a/1", "a/2", "a/d/3", "a/d/4", "a/e/5", "b/6")) {
            server.putObject("b", n, n.getBytes(StandardCharsets.UTF_8));
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest.Builder req(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(server.endpoint() + pathAndQuery));
    }

    @Test
    void listWithDelimiterAndPages() throws Exception {
        JsonNode r = JSON.readTree(send(req("/storage/v1/b/b/o?prefix=a/&delimiter=/")).body());
        List<String> names = new ArrayList<>();
        r.path("items").forEach(i -> names.add(i.path("name").asText()));
        assertEquals(List.of("a/1", "a/2"), names);
        assertEquals("[\"a/d/\",\"a/e/\"]", r.path("prefixes").toString());

        List<String> all = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            String q = "/storage/v1/b/b/o?prefix=a/&maxResults=2" + (token == null ? "" : "&pageToken=" + token);
            JsonNode p = JSON.readTree(send(req(q)).body());
            p.path("items").forEach(i -> all.add(i.path("name").asText()));
            token = p.has("nextPageToken") ? p.get("nextPageToken").asText() : null;
            pages++;
        } while (token != null);
        assertEquals(List.of("a/1", "a/2", "a/d/3", "a/d/4", "a/e/5"), all);
        assertEquals(3, pages);
    }

    @Test
    void rangesAndMissingObjects() throws Exception {
        HttpResponse<String> r = send(req("/storage/v1/b/b/o/a%2Fd%2F3?alt=media").header("Range", "bytes=2-3"));
        assertEquals(206, r.statusCode());
        assertEquals("d/", r.body());
        assertEquals("bytes 2-3/5", r.headers().firstValue("Content-Range").orElseThrow());
        assertEquals(416, send(req("/storage/v1/b/b/o/a%2F1?alt=media").header("Range", "bytes=9-")).statusCode());
        HttpResponse<String> missing = send(req("/storage/v1/b/b/o/nope"));
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("No such object: b/nope"), missing.body());
        HttpResponse<String> noBucket = send(req("/storage/v1/b/zz/o/nope"));
        assertTrue(noBucket.body().contains("bucket does not exist"), noBucket.body());
    }

    @Test
    void resumableSessionAnswers308UntilComplete() throws Exception {
        HttpResponse<String> init = send(req("/upload/storage/v1/b/b/o?uploadType=resumable&ifGenerationMatch=0")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"r/x\"}")));
        assertEquals(200, init.statusCode());
        URI session = URI.create(init.headers().firstValue("Location").orElseThrow());

        HttpResponse<String> status = send(HttpRequest.newBuilder(session).header("Content-Range", "bytes */*")
                .PUT(HttpRequest.BodyPublishers.noBody()));
        assertEquals(308, status.statusCode());
        assertFalse(status.headers().firstValue("Range").isPresent(), "nothing stored yet: no Range");

        HttpResponse<String> first = send(HttpRequest.newBuilder(session).header("Content-Range", "bytes 0-3/*")
                .PUT(HttpRequest.BodyPublishers.ofString("abcd")));
        assertEquals(308, first.statusCode());
        assertEquals("bytes=0-3", first.headers().firstValue("Range").orElseThrow());
        assertTrue(server.object("b", "r/x").isEmpty(), "invisible until complete");

        // a resent overlapping chunk is accepted; the total completes the object
        HttpResponse<String> last = send(HttpRequest.newBuilder(session).header("Content-Range", "bytes 2-5/6")
                .PUT(HttpRequest.BodyPublishers.ofString("cdef")));
        assertEquals(200, last.statusCode());
        assertEquals("6", JSON.readTree(last.body()).path("size").asText());
        assertEquals("abcdef", new String(server.object("b", "r/x").orElseThrow().data(), StandardCharsets.UTF_8));

        // the same upload again with ifGenerationMatch=0 now fails its precondition at completion
        HttpResponse<String> again = send(req("/upload/storage/v1/b/b/o?uploadType=media&name=r/x&ifGenerationMatch=0")
                .POST(HttpRequest.BodyPublishers.ofString("zz")));
        assertEquals(412, again.statusCode());
    }
}
