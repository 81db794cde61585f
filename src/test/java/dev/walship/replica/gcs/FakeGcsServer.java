package dev.walship.replica.gcs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * An in-memory Google Cloud Storage JSON API server for tests (JDK HttpServer on 127.0.0.1, a free port),
 * written from the public API documentation for exactly what google-cloud-storage sends for walship's
 * operations.
 *
 * <p>Implements:
 * <ul>
 *   <li>buckets: {@code GET /storage/v1/b/{bucket}}, {@code POST /storage/v1/b?project=} (insert; 409 when
 *       it exists).</li>
 *   <li>objects.insert on {@code /upload/storage/v1/b/{bucket}/o}: {@code uploadType=media} (name in the
 *       query), {@code uploadType=multipart} (multipart/related: JSON metadata part, then media part) and
 *       {@code uploadType=resumable}: the initiating POST answers 200 with a {@code Location} session URI;
 *       {@code PUT}s to it carry {@code Content-Range: bytes a-b/total} (or {@code /*} while the total is
 *       unknown); intermediate chunks answer 308 with {@code Range: bytes=0-N} (no Range header while nothing
 *       is stored); the chunk that completes the total answers 200 with the object resource;
 *       {@code Content-Range: bytes * /total} is a status query; {@code DELETE} of the session cancels it
 *       (499). The object only becomes visible when the session completes.</li>
 *   <li>objects.get: the object resource (JSON), or the data with {@code alt=media}, honouring
 *       {@code Range: bytes=a-b | a- | -n} (206 with Content-Range, 416 past the end), and the
 *       {@code x-goog-generation} / {@code x-goog-hash} / {@code x-goog-stored-content-length} headers.</li>
 *   <li>objects.list: {@code prefix}, {@code delimiter} (with {@code prefixes}), {@code maxResults} (default
 *       and cap 1000), {@code pageToken} / {@code nextPageToken}, lexical order.</li>
 *   <li>objects.delete (204; 404 when missing).</li>
 *   <li>Preconditions {@code ifGenerationMatch} (0 = must not exist) and {@code ifGenerationNotMatch} on
 *       insert, get and delete (412, or 304 for a read whose ifGenerationNotMatch matches), and
 *       {@code generation} selecting a generation on get. Generations increase with every write, server-wide,
 *       like GCS's microsecond timestamps; metageneration is 1.</li>
 *   <li>Errors in the JSON API shape {@code {"error":{"code","message","errors":[{"reason",...}]}}} with GCS's
 *       messages for a missing object ("No such object: b/o") and bucket ("The specified bucket does not
 *       exist.").</li>
 *   <li>Fault injection: the next N requests answer a status (e.g. 503), are delayed, have their
 *       connection dropped without being handled, or are handled and then dropped without an answer (a
 *       write that landed while its response was lost).</li>
 *   <li>Request bodies sent with {@code Content-Encoding: gzip} (the Java client compresses multipart
 *       uploads) and the {@code /download/storage/v1/...} media path of {@code mediaLink}.</li>
 * </ul>
 * Does not implement: authentication (any or no Authorization header is accepted), object versioning
 * (only the live generation is kept), metageneration preconditions, batch requests, compose/rewrite/copy,
 * ACLs/IAM, XML API, gzip transcoding, customer-supplied encryption keys, object holds and retention.
 * Anything else answers 501 and is logged to stderr with method, path and query, so a new client call
 * shows up immediately.
 */
public final class FakeGcsServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // without TCP_NODELAY every small answer waits for the client's delayed ACK (~40 ms a request)
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    private static final int MAX_PAGE = 1000;

    /** One stored object generation. */
    record StoredObject(String bucket, String name, byte[] data, long generation, String contentType,
                        Map<String, String> metadata, Instant created) {}

    private static final class Bucket {
        final String name;
        final Instant created = Instant.now();
        final NavigableMap<String, StoredObject> objects = new ConcurrentSkipListMap<>();

        Bucket(String name) {
            this.name = name;
        }
    }

    private static final class Session {
        final String bucket;
        final String name;
        final ObjectNode resource;
        final Map<String, String> query;
        final ByteArrayOutputStream data = new ByteArrayOutputStream();
        StoredObject result;
        boolean cancelled;

        Session(String bucket, String name, ObjectNode resource, Map<String, String> query) {
            this.bucket = bucket;
            this.name = name;
            this.resource = resource;
            this.query = query;
        }
    }

    /** An error answered in the JSON API shape. */
    private static final class GcsError extends Exception {
        final int code;
        final String reason;

        GcsError(int code, String reason, String message) {
            super(message, null, false, false);
            this.code = code;
            this.reason = reason;
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-gcs");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicLong generations = new AtomicLong(1_780_000_000_000_000L);

    private final AtomicInteger failNext = new AtomicInteger();
    private volatile int failStatus = 503;
    private final AtomicInteger delayNext = new AtomicInteger();
    private volatile Duration delay = Duration.ZERO;
    private final AtomicInteger dropNext = new AtomicInteger();
    private final AtomicInteger dropAnswerNext = new AtomicInteger();
    /** Set while a request is handled whose answer is to be dropped after the work is done. */
    private static final ThreadLocal<Boolean> DROP_ANSWER = ThreadLocal.withInitial(() -> false);

    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    private final List<String> unknown = Collections.synchronizedList(new ArrayList<>());

    private FakeGcsServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
    }

    /** Starts a server on a free loopback port. */
    public static FakeGcsServer start() throws IOException {
        FakeGcsServer s = new FakeGcsServer();
        s.server.start();
        return s;
    }

    /** The value for {@code StorageOptions.Builder#setHost}. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The next {@code n} requests answer {@code status} with a JSON error and do nothing. */
    public void failNext(int n, int status) {
        failStatus = status;
        failNext.set(n);
    }

    /** The next {@code n} requests wait {@code d} before they are handled. */
    public void delayNext(int n, Duration d) {
        delay = d;
        delayNext.set(n);
    }

    /** The next {@code n} requests have their connection closed without any answer. */
    public void dropNext(int n) {
        dropNext.set(n);
    }

    /**
     * The next {@code n} requests are carried out (an upload stores its object) but their connection is
     * closed instead of answered: the case of a write that succeeded while its response was lost.
     */
    public void dropAnswerNext(int n) {
        dropAnswerNext.set(n);
    }

    /** Stores an object directly (test setup without HTTP), as a new generation. */
    public void putObject(String bucket, String name, byte[] data) {
        Bucket b = buckets.get(bucket);
        if (b == null) throw new IllegalArgumentException("no bucket " + bucket);
        synchronized (b) {
            b.objects.put(name, new StoredObject(bucket, name, data.clone(), generations.incrementAndGet(),
                    "application/octet-stream", Map.of(), Instant.now()));
        }
    }

    /** "METHOD path?query" of every request so far, in arrival order. */
    public List<String> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Requests this server does not implement (answered 501). */
    public List<String> unknownRequests() {
        synchronized (unknown) {
            return List.copyOf(unknown);
        }
    }

    public void createBucket(String name) {
        buckets.putIfAbsent(name, new Bucket(name));
    }

    /** The live object, for assertions. */
    public Optional<StoredObject> object(String bucket, String name) {
        Bucket b = buckets.get(bucket);
        return b == null ? Optional.empty() : Optional.ofNullable(b.objects.get(name));
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- dispatch ------------------------------------------------------------------------------------

    private void handle(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String rawPath = ex.getRequestURI().getRawPath();
        String rawQuery = ex.getRequestURI().getRawQuery();
        String line = method + " " + rawPath + (rawQuery == null ? "" : "?" + rawQuery);
        requests.add(line);
        try {
            if (dropNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                body(ex);
                drop(ex);
                return;
            }
            if (delayNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                Thread.sleep(delay.toMillis());
            }
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                body(ex);
                throw new GcsError(failStatus, failStatus == 503 ? "backendError" : "injected",
                        "injected failure " + failStatus);
            }
            Map<String, String> q = query(rawQuery);
            List<String> seg = segments(rawPath);
            DROP_ANSWER.set(dropAnswerNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0);
            route(ex, method, seg, q, line);
        } catch (GcsError e) {
            sendError(ex, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ex.close();
        } catch (IOException e) {
            // the client went away (e.g. it timed out on an injected delay): nothing to answer
            System.err.println("fake-gcs: " + line + ": " + e);
        } catch (RuntimeException e) {
            System.err.println("fake-gcs: " + line + " failed: " + e);
            e.printStackTrace();
            try {
                sendError(ex, new GcsError(500, "backendError", "fake-gcs internal error: " + e));
            } catch (IOException ignored) {
                // client gone
            }
        } finally {
            DROP_ANSWER.set(false);
            ex.close();
        }
    }

    /** Closes the TCP connection without a status line, as a crashed proxy or a reset would. */
    private static void drop(HttpExchange ex) {
        // closing an exchange whose headers were never sent makes the JDK server close the socket
        ex.close();
    }

    private void route(HttpExchange ex, String method, List<String> s, Map<String, String> q, String line)
            throws IOException, GcsError {
        boolean upload = s.size() >= 1 && s.get(0).equals("upload");
        // /download/storage/v1/... is the media host path of objects.get (mediaLink); same resource
        boolean download = s.size() >= 1 && s.get(0).equals("download") && method.equals("GET");
        List<String> p = upload || download ? s.subList(1, s.size()) : s;
        boolean api = p.size() >= 3 && p.get(0).equals("storage") && p.get(1).equals("v1") && p.get(2).equals("b");
        if (api) {
            List<String> r = p.subList(3, p.size()); // after /storage/v1/b
            if (!upload) {
                if (r.isEmpty() && method.equals("POST")) {
                    insertBucket(ex);
                    return;
                }
                if (r.size() == 1 && method.equals("GET")) {
                    sendJson(ex, 200, bucketJson(bucket(r.get(0))));
                    return;
                }
                if (r.size() == 2 && r.get(1).equals("o") && method.equals("GET")) {
                    list(ex, bucket(r.get(0)), q);
                    return;
                }
                if (download && !(r.size() == 3 && r.get(1).equals("o"))) r = List.of(); // only objects download
                if (r.size() == 3 && r.get(1).equals("o")) {
                    switch (method) {
                        case "GET" -> {
                            getObject(ex, bucket(r.get(0)), r.get(2), q);
                            return;
                        }
                        case "DELETE" -> {
                            deleteObject(ex, bucket(r.get(0)), r.get(2), q);
                            return;
                        }
                        default -> { }
                    }
                }
            } else if (r.size() == 2 && r.get(1).equals("o")) {
                String type = q.getOrDefault("uploadType", "");
                if (method.equals("POST")) {
                    switch (type) {
                        case "media" -> {
                            mediaUpload(ex, r.get(0), q);
                            return;
                        }
                        case "multipart" -> {
                            multipartUpload(ex, r.get(0), q);
                            return;
                        }
                        case "resumable" -> {
                            if (!q.containsKey("upload_id")) {
                                startResumable(ex, r.get(0), q);
                                return;
                            }
                        }
                        default -> { }
                    }
                }
                if (type.equals("resumable") && q.containsKey("upload_id")) {
                    if (method.equals("PUT") || method.equals("POST")) {
                        putChunk(ex, q.get("upload_id"));
                        return;
                    }
                    if (method.equals("DELETE")) {
                        cancel(ex, q.get("upload_id"));
                        return;
                    }
                }
            }
        }
        unknown.add(line);
        System.err.println("fake-gcs: not implemented: " + line);
        body(ex);
        throw new GcsError(501, "notImplemented", "fake-gcs does not implement " + method + " " + String.join("/", s));
    }

    // ---- buckets -------------------------------------------------------------------------------------

    private Bucket bucket(String name) throws GcsError {
        Bucket b = buckets.get(name);
        if (b == null) throw new GcsError(404, "notFound", "The specified bucket does not exist.");
        return b;
    }

    private void insertBucket(HttpExchange ex) throws IOException, GcsError {
        JsonNode body = JSON.readTree(body(ex));
        String name = body.path("name").asText("");
        if (name.isEmpty()) throw new GcsError(400, "required", "Required: bucket name");
        Bucket b = new Bucket(name);
        if (buckets.putIfAbsent(name, b) != null) {
            throw new GcsError(409, "conflict", "Your previous request to create the named bucket succeeded and you already own it.");
        }
        sendJson(ex, 200, bucketJson(b));
    }

    private ObjectNode bucketJson(Bucket b) {
        ObjectNode n = JSON.createObjectNode();
        n.put("kind", "storage#bucket");
        n.put("id", b.name);
        n.put("name", b.name);
        n.put("selfLink", endpoint() + "/storage/v1/b/" + b.name);
        n.put("projectNumber", "1");
        n.put("metageneration", "1");
        n.put("location", "US");
        n.put("storageClass", "STANDARD");
        n.put("etag", "CAE=");
        n.put("timeCreated", b.created.toString());
        n.put("updated", b.created.toString());
        return n;
    }

    // ---- objects: read, list, delete -----------------------------------------------------------------

    private StoredObject live(Bucket b, String name) throws GcsError {
        StoredObject o = b.objects.get(name);
        if (o == null) throw new GcsError(404, "notFound", "No such object: " + b.name + "/" + name);
        return o;
    }

    private void getObject(HttpExchange ex, Bucket b, String name, Map<String, String> q) throws IOException, GcsError {
        StoredObject o = live(b, name);
        if (q.containsKey("generation") && Long.parseLong(q.get("generation")) != o.generation()) {
            throw new GcsError(404, "notFound", "No such object: " + b.name + "/" + name);
        }
        checkPreconditions(q, o, true);
        if (!"media".equals(q.get("alt"))) {
            sendJson(ex, 200, objectJson(o));
            return;
        }
        byte[] data = o.data();
        var h = ex.getResponseHeaders();
        h.set("Content-Type", o.contentType());
        h.set("x-goog-generation", Long.toString(o.generation()));
        h.set("x-goog-metageneration", "1");
        h.set("x-goog-stored-content-length", Integer.toString(data.length));
        h.set("x-goog-stored-content-encoding", "identity");
        h.set("x-goog-hash", "crc32c=" + crc32c(data) + ",md5=" + md5(data));
        h.set("ETag", etag(o));
        h.set("Accept-Ranges", "bytes");
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range == null || data.length == 0) {
            send(ex, 200, data, 0, data.length);
            return;
        }
        long[] r = parseRange(range, data.length);
        if (r == null) {
            h.set("Content-Range", "bytes */" + data.length);
            throw new GcsError(416, "requestedRangeNotSatisfiable", "The requested range cannot be satisfied.");
        }
        h.set("Content-Range", "bytes " + r[0] + "-" + r[1] + "/" + data.length);
        send(ex, 206, data, (int) r[0], (int) (r[1] - r[0] + 1));
    }

    /** {@code bytes=a-b}, {@code bytes=a-} or {@code bytes=-n} as an inclusive [first, last], null if unsatisfiable. */
    private static long[] parseRange(String header, long size) throws GcsError {
        String h = header.trim();
        if (!h.startsWith("bytes=") || h.contains(",")) throw new GcsError(400, "invalid", "bad Range " + header);
        String spec = h.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) throw new GcsError(400, "invalid", "bad Range " + header);
        String a = spec.substring(0, dash).trim();
        String b = spec.substring(dash + 1).trim();
        long first;
        long last;
        if (a.isEmpty()) {
            long n = Long.parseLong(b);
            first = Math.max(0, size - n);
            last = size - 1;
        } else {
            first = Long.parseLong(a);
            last = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
        }
        if (first >= size || last < first) return null;
        return new long[] {first, last};
    }

    private void list(HttpExchange ex, Bucket b, Map<String, String> q) throws IOException {
        String prefix = q.getOrDefault("prefix", "");
        String delimiter = q.get("delimiter");
        int max = Math.min(MAX_PAGE, Math.max(1, Integer.parseInt(q.getOrDefault("maxResults", "" + MAX_PAGE))));
        String after = q.containsKey("pageToken")
                ? new String(Base64.getUrlDecoder().decode(q.get("pageToken")), StandardCharsets.UTF_8) : null;
        ArrayNode items = JSON.createArrayNode();
        List<String> prefixes = new ArrayList<>();
        String last = null;
        boolean more = false;
        NavigableMap<String, StoredObject> view = after == null ? b.objects.tailMap(prefix, true)
                : b.objects.tailMap(after, false);
        for (var e : view.entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(prefix)) {
                if (name.compareTo(prefix) > 0) break;
                continue;
            }
            if (items.size() + prefixes.size() >= max) {
                more = true;
                break;
            }
            if (delimiter != null && !delimiter.isEmpty()) {
                int i = name.indexOf(delimiter, prefix.length());
                if (i >= 0) {
                    String p = name.substring(0, i + delimiter.length());
                    if (!prefixes.contains(p)) prefixes.add(p);
                    // a collapsed prefix counts once; skip the rest of it
                    last = p + Character.MAX_VALUE;
                    continue;
                }
            }
            items.add(objectJson(e.getValue()));
            last = name;
        }
        ObjectNode n = JSON.createObjectNode();
        n.put("kind", "storage#objects");
        if (!items.isEmpty()) n.set("items", items);
        if (!prefixes.isEmpty()) {
            ArrayNode pa = n.putArray("prefixes");
            prefixes.forEach(pa::add);
        }
        if (more && last != null) {
            n.put("nextPageToken", Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(last.getBytes(StandardCharsets.UTF_8)));
        }
        sendJson(ex, 200, n);
    }

    private void deleteObject(HttpExchange ex, Bucket b, String name, Map<String, String> q) throws IOException, GcsError {
        synchronized (b) {
            StoredObject o = live(b, name);
            checkPreconditions(q, o, false);
            b.objects.remove(name);
        }
        body(ex);
        send(ex, 204, new byte[0], 0, 0);
    }

    // ---- objects: uploads ----------------------------------------------------------------------------

    private void mediaUpload(HttpExchange ex, String bucketName, Map<String, String> q) throws IOException, GcsError {
        Bucket b = bucket(bucketName);
        String name = q.get("name");
        if (name == null || name.isEmpty()) throw new GcsError(400, "required", "Required: object name");
        byte[] data = body(ex);
        String type = Optional.ofNullable(ex.getRequestHeaders().getFirst("Content-Type")).orElse("application/octet-stream");
        StoredObject o = store(b, name, data, type, Map.of(), q);
        sendJson(ex, 200, objectJson(o));
    }

    private void multipartUpload(HttpExchange ex, String bucketName, Map<String, String> q) throws IOException, GcsError {
        Bucket b = bucket(bucketName);
        String ct = ex.getRequestHeaders().getFirst("Content-Type");
        String boundary = ct == null ? null : param(ct, "boundary");
        if (ct == null || !ct.toLowerCase().startsWith("multipart/related") || boundary == null) {
            throw new GcsError(400, "invalid", "multipart upload needs Content-Type multipart/related with a boundary");
        }
        List<Part> parts = parseMultipart(body(ex), boundary);
        if (parts.size() != 2) throw new GcsError(400, "invalid", "multipart upload needs 2 parts, got " + parts.size());
        JsonNode meta = JSON.readTree(parts.get(0).body());
        String name = meta.path("name").asText(q.getOrDefault("name", ""));
        if (name.isEmpty()) throw new GcsError(400, "required", "Required: object name");
        String type = meta.path("contentType").asText(
                Optional.ofNullable(parts.get(1).headers().get("content-type")).orElse("application/octet-stream"));
        StoredObject o = store(b, name, parts.get(1).body(), type, metadata(meta), q);
        sendJson(ex, 200, objectJson(o));
    }

    private void startResumable(HttpExchange ex, String bucketName, Map<String, String> q) throws IOException, GcsError {
        bucket(bucketName);
        byte[] body = body(ex);
        ObjectNode meta = body.length == 0 ? JSON.createObjectNode() : (ObjectNode) JSON.readTree(body);
        String name = meta.path("name").asText(q.getOrDefault("name", ""));
        if (name.isEmpty()) throw new GcsError(400, "required", "Required: object name");
        String id = UUID.randomUUID().toString().replace("-", "");
        sessions.put(id, new Session(bucketName, name, meta, Map.copyOf(q)));
        ex.getResponseHeaders().set("Location", endpoint() + "/upload/storage/v1/b/" + enc(bucketName)
                + "/o?uploadType=resumable&name=" + enc(name) + "&upload_id=" + id);
        send(ex, 200, new byte[0], 0, 0);
    }

    private void putChunk(HttpExchange ex, String id) throws IOException, GcsError {
        Session s = sessions.get(id);
        byte[] chunk = body(ex);
        if (s == null || s.cancelled) throw new GcsError(404, "notFound", "No such upload session.");
        synchronized (s) {
            if (s.result != null) { // the session is complete: every later PUT answers the object again
                sendJson(ex, 200, objectJson(s.result));
                return;
            }
            String cr = ex.getRequestHeaders().getFirst("Content-Range");
            long stored = s.data.size();
            long total = -1;
            if (cr == null) {
                // a single PUT without Content-Range carries the whole object
                if (stored != 0) throw new GcsError(400, "invalid", "Content-Range required after the first chunk");
                total = chunk.length;
                s.data.write(chunk);
            } else {
                String v = cr.trim();
                if (!v.startsWith("bytes ")) throw new GcsError(400, "invalid", "bad Content-Range " + cr);
                String[] rangeAndTotal = v.substring(6).trim().split("/", 2);
                if (rangeAndTotal.length != 2) throw new GcsError(400, "invalid", "bad Content-Range " + cr);
                total = rangeAndTotal[1].equals("*") ? -1 : Long.parseLong(rangeAndTotal[1]);
                if (!rangeAndTotal[0].equals("*")) {
                    String[] ab = rangeAndTotal[0].split("-", 2);
                    long first = Long.parseLong(ab[0]);
                    long last = Long.parseLong(ab[1]);
                    if (last - first + 1 != chunk.length) {
                        throw new GcsError(400, "invalid", "Content-Range " + cr + " does not match " + chunk.length + " bytes");
                    }
                    if (first > stored) {
                        throw new GcsError(400, "invalid", "chunk starts at " + first + " but " + stored + " bytes are stored");
                    }
                    // a resent chunk may overlap what is stored already: keep only the new tail
                    int skip = (int) (stored - first);
                    if (skip < chunk.length) s.data.write(chunk, skip, chunk.length - skip);
                } else if (chunk.length != 0) {
                    throw new GcsError(400, "invalid", "a status query carries no bytes");
                }
            }
            long now = s.data.size();
            if (total >= 0 && now > total) throw new GcsError(400, "invalid", "more bytes than the declared total");
            if (total >= 0 && now == total) {
                byte[] data = s.data.toByteArray();
                String type = s.resource.path("contentType").asText("application/octet-stream");
                StoredObject o = store(bucket(s.bucket), s.name, data, type, metadata(s.resource), s.query);
                s.result = o;
                // the session stays: a PUT repeated because its answer was lost gets the object again
                sendJson(ex, 200, objectJson(o));
                return;
            }
            if (now > 0) ex.getResponseHeaders().set("Range", "bytes=0-" + (now - 1));
            send(ex, 308, new byte[0], 0, 0);
        }
    }

    private void cancel(HttpExchange ex, String id) throws IOException, GcsError {
        Session s = sessions.remove(id);
        if (s == null) throw new GcsError(404, "notFound", "No such upload session.");
        s.cancelled = true;
        send(ex, 499, new byte[0], 0, 0);
    }

    /** Checks the write preconditions and stores a new generation, atomically per bucket. */
    private StoredObject store(Bucket b, String name, byte[] data, String type, Map<String, String> meta,
                               Map<String, String> q) throws GcsError {
        synchronized (b) {
            checkPreconditions(q, b.objects.get(name), false);
            StoredObject o = new StoredObject(b.name, name, data, generations.incrementAndGet(), type, meta, Instant.now());
            b.objects.put(name, o);
            return o;
        }
    }

    /**
     * ifGenerationMatch (0: no live object may exist) and ifGenerationNotMatch (0: a live object must exist).
     * A failed condition is 412, except that a read whose ifGenerationNotMatch matched is 304.
     */
    private static void checkPreconditions(Map<String, String> q, StoredObject current, boolean read) throws GcsError {
        long gen = current == null ? 0 : current.generation();
        String match = q.get("ifGenerationMatch");
        if (match != null && Long.parseLong(match) != gen) {
            throw new GcsError(412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.");
        }
        String notMatch = q.get("ifGenerationNotMatch");
        if (notMatch != null && Long.parseLong(notMatch) == gen) {
            if (read) throw new GcsError(304, "notModified", "Not Modified");
            throw new GcsError(412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.");
        }
    }

    private static Map<String, String> metadata(JsonNode resource) {
        Map<String, String> m = new LinkedHashMap<>();
        resource.path("metadata").fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return Map.copyOf(m);
    }

    private ObjectNode objectJson(StoredObject o) {
        ObjectNode n = JSON.createObjectNode();
        n.put("kind", "storage#object");
        n.put("id", o.bucket() + "/" + o.name() + "/" + o.generation());
        n.put("selfLink", endpoint() + "/storage/v1/b/" + enc(o.bucket()) + "/o/" + enc(o.name()));
        n.put("mediaLink", endpoint() + "/download/storage/v1/b/" + enc(o.bucket()) + "/o/" + enc(o.name())
                + "?generation=" + o.generation() + "&alt=media");
        n.put("name", o.name());
        n.put("bucket", o.bucket());
        n.put("generation", Long.toString(o.generation()));
        n.put("metageneration", "1");
        n.put("contentType", o.contentType());
        n.put("storageClass", "STANDARD");
        n.put("size", Integer.toString(o.data().length));
        n.put("md5Hash", md5(o.data()));
        n.put("crc32c", crc32c(o.data()));
        n.put("etag", etag(o));
        n.put("timeCreated", o.created().toString());
        n.put("updated", o.created().toString());
        n.put("timeStorageClassUpdated", o.created().toString());
        if (!o.metadata().isEmpty()) {
            ObjectNode m = n.putObject("metadata");
            o.metadata().forEach(m::put);
        }
        return n;
    }

    // ---- HTTP plumbing -------------------------------------------------------------------------------

    private record Part(Map<String, String> headers, byte[] body) {}

    /** Splits a multipart/related body (RFC 2046) into its parts. */
    private static List<Part> parseMultipart(byte[] body, String boundary) throws GcsError {
        byte[] delim = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        List<Part> parts = new ArrayList<>();
        int pos = indexOf(body, delim, 0);
        if (pos < 0) throw new GcsError(400, "invalid", "multipart boundary not found");
        while (true) {
            pos += delim.length;
            if (pos + 1 < body.length && body[pos] == '-' && body[pos + 1] == '-') break; // close delimiter
            pos = skipLine(body, pos);
            Map<String, String> headers = new LinkedHashMap<>();
            while (true) {
                int eol = indexOf(body, new byte[] {'\r', '\n'}, pos);
                if (eol < 0) throw new GcsError(400, "invalid", "truncated multipart headers");
                if (eol == pos) {
                    pos = eol + 2;
                    break;
                }
                String h = new String(body, pos, eol - pos, StandardCharsets.ISO_8859_1);
                int colon = h.indexOf(':');
                if (colon > 0) headers.put(h.substring(0, colon).trim().toLowerCase(), h.substring(colon + 1).trim());
                pos = eol + 2;
            }
            int next = indexOf(body, delim, pos);
            if (next < 0) throw new GcsError(400, "invalid", "multipart part not terminated");
            int end = next;
            if (end >= 2 && body[end - 2] == '\r' && body[end - 1] == '\n') end -= 2; // CRLF belongs to the delimiter
            byte[] content = new byte[end - pos];
            System.arraycopy(body, pos, content, 0, content.length);
            parts.add(new Part(headers, content));
            pos = next;
        }
        return parts;
    }

    private static int skipLine(byte[] b, int pos) {
        int eol = indexOf(b, new byte[] {'\r', '\n'}, pos);
        return eol < 0 ? b.length : eol + 2;
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) continue outer;
            }
            return i;
        }
        return -1;
    }

    private static String param(String contentType, String name) {
        for (String p : contentType.split(";")) {
            String t = p.trim();
            if (t.toLowerCase().startsWith(name + "=")) {
                String v = t.substring(name.length() + 1);
                return v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
            }
        }
        return null;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return q;
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            q.putIfAbsent(k, v);
        }
        return q;
    }

    /** Path segments, each percent-decoded on its own (object names carry encoded slashes). */
    private static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (s.isEmpty()) continue;
            out.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        byte[] b = JSON.writeValueAsBytes(body);
        send(ex, status, b, 0, b.length);
    }

    private static void sendError(HttpExchange ex, GcsError e) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("code", e.code);
        err.put("message", e.getMessage());
        ObjectNode item = err.putArray("errors").addObject();
        item.put("message", e.getMessage());
        item.put("domain", "global");
        item.put("reason", e.reason);
        if (e.code == 304) {
            send(ex, 304, new byte[0], 0, 0);
            return;
        }
        sendJson(ex, e.code, root);
    }

    private static void send(HttpExchange ex, int status, byte[] b, int off, int len) throws IOException {
        if (DROP_ANSWER.get()) {
            drop(ex);
            return;
        }
        boolean noBody = status == 204 || status == 304 || ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, noBody ? -1 : (len == 0 ? -1 : len));
        if (!noBody && len > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b, off, len);
            }
        }
    }

    /** The request body, decoded when the client gzip-compressed it (the Java client does for uploads). */
    private static byte[] body(HttpExchange ex) throws IOException {
        byte[] raw = ex.getRequestBody().readAllBytes();
        String enc = ex.getRequestHeaders().getFirst("Content-Encoding");
        if (enc != null && enc.trim().equalsIgnoreCase("gzip") && raw.length > 0) {
            try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
                return in.readAllBytes();
            }
        }
        return raw;
    }

    private static String etag(StoredObject o) {
        return "\"" + Long.toHexString(o.generation()) + "\"";
    }

    private static String md5(byte[] data) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String crc32c(byte[] data) {
        CRC32C c = new CRC32C();
        c.update(data);
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) c.getValue()).array());
    }
}
