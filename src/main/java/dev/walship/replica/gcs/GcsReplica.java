package dev.walship.replica.gcs;

import com.google.api.gax.retrying.RetrySettings;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.ReadChannel;
import com.google.cloud.WriteChannel;
import com.google.cloud.http.HttpTransportOptions;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.Storage.BlobField;
import com.google.cloud.storage.Storage.BlobGetOption;
import com.google.cloud.storage.Storage.BlobListOption;
import com.google.cloud.storage.Storage.BlobSourceOption;
import com.google.cloud.storage.Storage.BlobTargetOption;
import com.google.cloud.storage.StorageOptions;
import com.google.cloud.storage.StorageRetryStrategy;
import dev.walship.replica.PreconditionFailedException;
import dev.walship.replica.ReplicaClient;
import dev.walship.segment.FileInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A replica under a prefix of a Google Cloud Storage bucket (objects {@code <prefix>/<name>}), spoken to
 * through the JSON API of google-cloud-storage. Uploads are resumable sessions that only create the
 * object when the last byte arrived, so a failed upload never leaves a partial object under its name;
 * conditional writes use object generations.
 *
 * <p>Ownership: a replica made by {@link #create} owns its {@link Storage} client and closes it in
 * {@link #close()}. A replica made with {@link #GcsReplica(Storage, String, String)} borrows the client:
 * whoever built that client closes it, after the replica.
 */
public final class GcsReplica implements ReplicaClient {
    /** Chunk size of resumable uploads: each chunk is one PUT, and a retry resends at most one chunk. */
    public static final int UPLOAD_CHUNK = 16 * 1024 * 1024;
    private static final int READ_CHUNK = 2 * 1024 * 1024;
    private static final String WRITE_ID = "walship-write-id";
    private static final String DEFAULT_ENDPOINT = "https://storage.googleapis.com";

    /**
     * Timeouts and the retry budget of the client library. The total timeout bounds every operation
     * including its retries, so an outage surfaces to walship's own retry loop instead of hanging in here.
     */
    public record Settings(Duration totalTimeout, Duration initialRetryDelay, Duration maxRetryDelay,
                           Duration connectTimeout, Duration readTimeout, int maxAttempts) {
        public static final Settings DEFAULTS = new Settings(Duration.ofSeconds(30), Duration.ofMillis(250),
                Duration.ofSeconds(8), Duration.ofSeconds(10), Duration.ofSeconds(30), 6);

        public Settings {
            Objects.requireNonNull(totalTimeout, "totalTimeout");
            Objects.requireNonNull(initialRetryDelay, "initialRetryDelay");
            Objects.requireNonNull(maxRetryDelay, "maxRetryDelay");
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(readTimeout, "readTimeout");
            if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }

    private final Storage storage;
    private final boolean ownsStorage;
    private final String bucket;
    private final String prefix; // "" or "a/b/" (always ends with a slash when not empty)
    private final String url;
    private final GcsErrors errors;
    private final GcsRequestCounters counters;

    /**
     * A replica on a client someone else built (and closes). The request counters stay at zero: they are
     * fed by the transport that {@link #create} installs.
     */
    public GcsReplica(Storage storage, String bucket, String prefix) {
        this(storage, false, bucket, prefix, new GcsRequestCounters(), endpointOf(storage));
    }

    private GcsReplica(Storage storage, boolean owns, String bucket, String prefix, GcsRequestCounters counters,
                       String endpoint) {
        this.storage = Objects.requireNonNull(storage, "storage");
        this.ownsStorage = owns;
        if (bucket == null || bucket.isBlank() || bucket.contains("/")) {
            throw new IllegalArgumentException("gcs replica: bucket name \"" + bucket + "\" is not a bucket name");
        }
        this.bucket = bucket;
        String p = prefix == null ? "" : prefix;
        while (p.startsWith("/")) p = p.substring(1);
        while (p.endsWith("/")) p = p.substring(0, p.length() - 1);
        this.prefix = p.isEmpty() ? "" : p + "/";
        this.url = "gs://" + bucket + (p.isEmpty() ? "" : "/" + p);
        this.counters = counters;
        this.errors = new GcsErrors(url, bucket, endpoint);
    }

    /** A replica with its own client, with {@link Settings#DEFAULTS}; see {@link #create(String, String, Optional, Optional, Settings)}. */
    public static GcsReplica create(String bucket, String prefix, Optional<Path> credentialsFile,
                                    Optional<String> endpoint) throws IOException {
        return create(bucket, prefix, credentialsFile, endpoint, Settings.DEFAULTS);
    }

    /**
     * A replica with its own client (closed by {@link #close()}). Credentials come from the service-account
     * JSON file when given, else from Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS,
     * workload identity, gcloud). With an endpoint (an emulator or test server) and no credentials file the
     * client sends no credentials at all.
     */
    public static GcsReplica create(String bucket, String prefix, Optional<Path> credentialsFile,
                                    Optional<String> endpoint, Settings settings) throws IOException {
        String shown = "gs://" + bucket + (prefix == null || prefix.isEmpty() ? "" : "/" + prefix);
        GcsRequestCounters counters = new GcsRequestCounters();
        HttpTransportOptions.Builder transport = HttpTransportOptions.newBuilder()
                .setConnectTimeout((int) settings.connectTimeout().toMillis())
                .setReadTimeout((int) settings.readTimeout().toMillis());
        StorageOptions.Builder b = StorageOptions.newBuilder()
                .setTransportOptions(new CountingTransportOptions(transport, counters))
                // every walship write is safe to repeat (immutable data files, whole metadata objects,
                // generation-fenced conditional writes), so retry all of them, not only "idempotent" ones
                .setStorageRetryStrategy(StorageRetryStrategy.getUniformStorageRetryStrategy())
                .setRetrySettings(RetrySettings.newBuilder()
                        .setTotalTimeoutDuration(settings.totalTimeout())
                        .setInitialRetryDelayDuration(settings.initialRetryDelay())
                        .setRetryDelayMultiplier(2.0)
                        .setMaxRetryDelayDuration(settings.maxRetryDelay())
                        .setInitialRpcTimeoutDuration(settings.totalTimeout())
                        .setMaxRpcTimeoutDuration(settings.totalTimeout())
                        .setRpcTimeoutMultiplier(1.0)
                        .setMaxAttempts(settings.maxAttempts())
                        .build());
        endpoint.ifPresent(b::setHost);
        if (credentialsFile.isPresent()) {
            b.setCredentials(loadCredentials(shown, credentialsFile.get()));
        } else if (endpoint.isPresent()) {
            // an emulator or test server: no auth, and a project id so that nothing looks one up
            b.setCredentials(NoCredentials.getInstance()).setProjectId("test");
        } else {
            try {
                b.setCredentials(GoogleCredentials.getApplicationDefault());
            } catch (IOException e) {
                throw new IOException("replica " + shown + ": no Google credentials found (set the replica's"
                        + " credentials file, or GOOGLE_APPLICATION_CREDENTIALS, or run with workload identity)", e);
            }
        }
        Storage storage = b.build().getService();
        return new GcsReplica(storage, true, bucket, prefix, counters, endpoint.orElse(DEFAULT_ENDPOINT));
    }

    private static GoogleCredentials loadCredentials(String replica, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return GoogleCredentials.fromStream(in)
                    .createScoped(List.of("https://www.googleapis.com/auth/devstorage.read_write"));
        } catch (IOException | RuntimeException e) {
            // the parser's message could quote the file; name the file and the kind of problem only
            throw new IOException("replica " + replica + ": credentials file " + file
                    + " is not a readable Google service-account JSON key (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static String endpointOf(Storage storage) {
        try {
            return storage.getOptions().getHost();
        } catch (RuntimeException e) {
            return DEFAULT_ENDPOINT;
        }
    }

    /** Requests sent so far, retries included (zero for a borrowed client, see the constructor). */
    @Override
    public RequestCounts requestCounts() {
        GcsRequestCounters.Snapshot c = counters.snapshot();
        return new RequestCounts(c.put(), c.get(), c.list(), c.delete());
    }

    public GcsRequestCounters counters() {
        return counters;
    }

    @Override
    public String url() {
        return url;
    }

    private String key(String name) {
        return prefix + name;
    }

    @Override
    public List<FileInfo> listFiles() throws IOException {
        List<FileInfo> out = new ArrayList<>();
        try {
            for (Blob blob : storage.list(bucket, BlobListOption.prefix(prefix), BlobListOption.pageSize(1000),
                    BlobListOption.fields(BlobField.NAME, BlobField.SIZE)).iterateAll()) {
                String rel = blob.getName().substring(prefix.length());
                Long size = blob.getSize();
                FileInfo.parse(rel, size == null ? 0 : size).ifPresent(out::add);
            }
        } catch (RuntimeException e) {
            throw errors.translate("list", null, e);
        }
        return out;
    }

    @Override
    public InputStream open(FileInfo file) throws IOException {
        return open(file, 0);
    }

    /** A ranged read ({@code Range: bytes=offset-}) through {@link ReadChannel#seek}; at or past the end it is empty. */
    @Override
    public InputStream open(FileInfo file, long offset) throws IOException {
        if (offset < 0) throw new IllegalArgumentException("negative offset " + offset);
        String name = file.name();
        ReadChannel ch = storage.reader(BlobId.of(bucket, key(name)));
        ch.setChunkSize(READ_CHUNK);
        if (offset > 0) {
            try {
                ch.seek(offset); // no request yet: the first read asks for the range
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw errors.translate("open", name, e);
            }
        }
        ChannelInput in = new ChannelInput(ch, name);
        try {
            in.fill(); // the first request happens here, so a missing object fails open(), not the first read()
        } catch (IOException e) {
            in.close();
            throw e;
        }
        return in;
    }

    /** A blocking stream over the read channel that reports errors the way {@link ReplicaClient} promises. */
    private final class ChannelInput extends InputStream {
        private final ReadChannel ch;
        private final String name;
        private final ByteBuffer buf = ByteBuffer.allocate(256 * 1024).flip();
        private boolean eof;

        ChannelInput(ReadChannel ch, String name) {
            this.ch = ch;
            this.name = name;
        }

        void fill() throws IOException {
            buf.clear();
            try {
                int n;
                do {
                    n = ch.read(buf);
                } while (n == 0);
                if (n < 0) eof = true;
            } catch (IOException | RuntimeException e) {
                throw errors.translate("open", name, e);
            } finally {
                buf.flip();
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) return 0;
            while (!buf.hasRemaining()) {
                if (eof) return -1;
                fill();
            }
            int n = Math.min(len, buf.remaining());
            buf.get(b, off, n);
            return n;
        }

        @Override
        public void close() {
            ch.close();
        }
    }

    @Override
    public void upload(FileInfo file, Path local) throws IOException {
        String name = file.name();
        if (!Files.isRegularFile(local)) {
            throw new IOException(errors.subject("upload", name) + ": local file " + local
                    + (Files.exists(local) ? " is not a regular file" : " does not exist"));
        }
        BlobInfo info = BlobInfo.newBuilder(BlobId.of(bucket, key(name)))
                .setContentType("application/octet-stream").build();
        // A resumable session in 16 MiB chunks: a retry resends at most one chunk, and the object only
        // appears when close() sends the last one. On any failure the channel is deliberately NOT closed,
        // because closing it would publish the bytes sent so far; the abandoned session expires on its own.
        WriteChannel ch;
        try {
            ch = storage.writer(info);
        } catch (RuntimeException e) {
            throw errors.translate("upload", name, e);
        }
        ch.setChunkSize(UPLOAD_CHUNK);
        try (FileChannel in = FileChannel.open(local, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            while (true) {
                buf.clear();
                int n;
                try {
                    n = in.read(buf);
                } catch (IOException e) {
                    throw new IOException(errors.subject("upload", name) + ": read local file " + local + ": "
                            + e.getMessage(), e);
                }
                if (n < 0) break;
                buf.flip();
                try {
                    while (buf.hasRemaining()) ch.write(buf);
                } catch (IOException | RuntimeException e) {
                    throw errors.translate("upload", name, e);
                }
            }
        }
        try {
            ch.close();
        } catch (IOException | RuntimeException e) {
            throw errors.translate("upload", name, e);
        }
    }

    @Override
    public void delete(Collection<FileInfo> files) throws IOException {
        // one request per object: JSON-API batches would save round trips but not operations, and
        // retention deletes a handful of files per pass
        for (FileInfo f : files) {
            try {
                storage.delete(BlobId.of(bucket, key(f.name()))); // false when already gone: fine
            } catch (RuntimeException e) {
                if (GcsErrors.isObjectMissing(e)) continue;
                throw errors.translate("delete", f.name(), e);
            }
        }
    }

    @Override
    public Optional<byte[]> readObject(String name) throws IOException {
        checkName(name);
        try {
            return Optional.of(storage.readAllBytes(BlobId.of(bucket, key(name))));
        } catch (RuntimeException e) {
            if (GcsErrors.isObjectMissing(e)) return Optional.empty();
            throw errors.translate("read", name, e);
        }
    }

    @Override
    public void writeObject(String name, byte[] data) throws IOException {
        checkName(name);
        try {
            storage.create(info(name, null), data);
        } catch (RuntimeException e) {
            throw errors.translate("write", name, e);
        }
    }

    @Override
    public Optional<Versioned> readVersioned(String name) throws IOException {
        checkName(name);
        BlobId id = BlobId.of(bucket, key(name));
        // metadata then media pinned to that generation; a write in between makes the media read fail the
        // precondition, and the pair is read again
        for (int attempt = 1; ; attempt++) {
            try {
                Blob meta = storage.get(id, BlobGetOption.fields(BlobField.GENERATION));
                if (meta == null) return Optional.empty();
                long gen = meta.getGeneration();
                byte[] data = storage.readAllBytes(id, BlobSourceOption.generationMatch(gen));
                return Optional.of(new Versioned(data, Long.toString(gen)));
            } catch (RuntimeException e) {
                int code = GcsErrors.status(e);
                boolean raced = code == 412 || GcsErrors.isObjectMissing(e);
                if (!raced || attempt >= 5) throw errors.translate("read", name, e);
            }
        }
    }

    @Override
    public String writeIf(String name, byte[] data, String expectedVersion) throws IOException {
        checkName(name);
        BlobTargetOption condition;
        if (expectedVersion == null) {
            condition = BlobTargetOption.doesNotExist();
        } else {
            long gen;
            try {
                gen = Long.parseLong(expectedVersion);
            } catch (NumberFormatException e) {
                throw new PreconditionFailedException(errors.subject("write", name) + ": version \""
                        + expectedVersion + "\" is not a generation of this object");
            }
            condition = BlobTargetOption.generationMatch(gen);
        }
        // a random id in the object's metadata tells, after a 412, whether the 412 answered a retry of
        // our own write whose first answer was lost (we won) or another writer's (we lost)
        String writeId = UUID.randomUUID().toString();
        try {
            Blob b = storage.create(info(name, writeId), data, condition);
            return Long.toString(b.getGeneration());
        } catch (RuntimeException e) {
            if (GcsErrors.status(e) != 412) throw errors.translate("write", name, e);
            Optional<Long> ours = generationIfWrittenBy(name, writeId);
            if (ours.isPresent()) return Long.toString(ours.get());
            throw new PreconditionFailedException(errors.subject("write", name) + ": "
                    + (expectedVersion == null ? "the object exists already" : "the object is no longer at generation "
                    + expectedVersion) + " (another writer got there first)");
        }
    }

    private Optional<Long> generationIfWrittenBy(String name, String writeId) throws IOException {
        try {
            Blob b = storage.get(BlobId.of(bucket, key(name)));
            if (b == null || b.getMetadata() == null) return Optional.empty();
            return writeId.equals(b.getMetadata().get(WRITE_ID)) ? Optional.of(b.getGeneration()) : Optional.empty();
        } catch (RuntimeException e) {
            throw errors.translate("read", name, e);
        }
    }

    private BlobInfo info(String name, String writeId) {
        BlobInfo.Builder b = BlobInfo.newBuilder(BlobId.of(bucket, key(name))).setContentType("application/octet-stream");
        if (writeId != null) b.setMetadata(Map.of(WRITE_ID, writeId));
        return b.build();
    }

    /**
     * Object names are relative to the replica prefix; anything that a path-minded tool or person would
     * read as leaving it (absolute, "." or ".." segments) or that GCS refuses (control characters) is refused.
     */
    private void checkName(String name) throws IOException {
        String problem = null;
        if (name == null || name.isEmpty()) problem = "is empty";
        else if (name.startsWith("/")) problem = "is absolute";
        else if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) problem = "contains a control character";
        else {
            for (String seg : name.split("/", -1)) {
                if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                    problem = "escapes the replica root or has an empty segment";
                    break;
                }
            }
        }
        if (problem != null) {
            String shown = name == null ? "null" : "\"" + name.replaceAll("\\p{Cntrl}", "?") + "\"";
            throw new IOException("replica " + url + ": object name " + shown + " " + problem);
        }
    }

    @Override
    public void close() throws IOException {
        if (!ownsStorage) return;
        try {
            storage.close();
        } catch (Exception e) {
            throw new IOException("close gcs client of " + url + ": " + e.getMessage(), e);
        }
    }
}
