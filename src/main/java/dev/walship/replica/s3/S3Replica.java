package dev.walship.replica.s3;

import dev.walship.config.ReplicaSpec;
import dev.walship.config.ReplicaType;
import dev.walship.replica.PreconditionFailedException;
import dev.walship.replica.ReplicaClient;
import dev.walship.segment.FileInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.StorageClass;

/**
 * A replica under a prefix of an S3 (or S3-compatible) bucket. Data files live under
 * {@code <prefix>/<FileInfo.name()>}, metadata objects under {@code <prefix>/<name>}.
 *
 * <p>Uploads are atomic by S3's own semantics: a PutObject or a completed multipart upload becomes visible whole,
 * and an aborted or failed one never appears under its name. Files up to {@link #MULTIPART_THRESHOLD} go in one
 * PutObject; larger ones in {@link #PART_SIZE} parts.
 *
 * <p>Ownership: a replica made by {@link #create} owns its {@link S3Client} (and the Apache HTTP client and
 * credentials provider inside it) and closes them in {@link #close}. A replica made with the public constructor
 * uses the caller's client and never closes it: the caller closes the client after the replica.
 */
public final class S3Replica implements ReplicaClient {
    /** Files larger than this are uploaded in parts. */
    public static final long MULTIPART_THRESHOLD = 64L * 1024 * 1024;
    /** Size of each multipart part except the last. */
    public static final long PART_SIZE = 16L * 1024 * 1024;
    /** DeleteObjects takes at most this many keys per request. */
    static final int DELETE_BATCH = 1000;

    private final S3Client s3;
    private final AutoCloseable ownedCredentials;
    private final boolean ownsClient;
    private final String bucket;
    private final String keyPrefix;
    private final String storageClass;
    private final String url;
    /** Turns SDK exceptions into one-line IOExceptions naming this replica. */
    private final S3Errors errors;
    /** Uploads of files larger than {@link #MULTIPART_THRESHOLD}. */
    private final S3Multipart multipart;
    /** Request counters, for metrics. */
    private final Counters counters = new Counters();

    /** Counts of requests sent (each attempt the SDK makes counts once per call here, not per retry). */
    public static final class Counters {
        public final AtomicLong put = new AtomicLong();
        public final AtomicLong get = new AtomicLong();
        public final AtomicLong list = new AtomicLong();
        public final AtomicLong delete = new AtomicLong();
        public final AtomicLong head = new AtomicLong();

        public Snapshot snapshot() {
            return new Snapshot(put.get(), get.get(), list.get(), delete.get(), head.get());
        }
    }

    /**
     * A point-in-time copy of the counters. PUT counts PutObject and every multipart request (create, part,
     * complete, abort); DELETE counts DeleteObjects requests (up to 1000 keys each).
     */
    public record Snapshot(long put, long get, long list, long delete, long head) {}

    /**
     * A replica using an existing client, which the caller keeps owning and closes after this replica. Credentials
     * in {@code spec} are ignored (the client already has its own).
     */
    public S3Replica(S3Client client, ReplicaSpec spec) {
        this(client, spec, null, false);
    }

    private S3Replica(S3Client client, ReplicaSpec spec, AutoCloseable ownedCredentials, boolean ownsClient) {
        if (spec.type() != ReplicaType.S3) {
            throw new IllegalArgumentException("not an s3 replica: " + spec.safeUrl());
        }
        ReplicaSpec.S3 o = spec.s3();
        this.s3 = client;
        this.ownedCredentials = ownedCredentials;
        this.ownsClient = ownsClient;
        this.bucket = o.bucket();
        this.keyPrefix = o.prefix().isEmpty() ? "" : o.prefix() + "/";
        this.storageClass = o.storageClass();
        this.url = "s3://" + o.bucket() + (o.prefix().isEmpty() ? "" : "/" + o.prefix())
                + (o.endpoint() != null ? "?endpoint=" + o.endpoint() : "");
        this.errors = new S3Errors(url, bucket,
                o.endpoint() != null ? o.endpoint().toString() : "the AWS S3 endpoint");
        this.multipart = new S3Multipart(client, bucket, storageClass, counters, errors, url);
    }

    /**
     * A replica with its own client: Apache HTTP client, the spec's endpoint and region (us-east-1 when an endpoint
     * is given without one), path-style addressing and checksum mode, and static credentials when the spec has them,
     * else the AWS default chain (environment, profile, web identity, container or instance role).
     */
    public static S3Replica create(ReplicaSpec spec) {
        if (spec.type() != ReplicaType.S3) {
            throw new IllegalArgumentException("not an s3 replica: " + spec.safeUrl());
        }
        ReplicaSpec.S3 o = spec.s3();
        AwsCredentialsProvider credentials;
        AutoCloseable owned = null;
        if (o.hasCredentials()) {
            credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(o.accessKeyId(),
                    o.secretAccessKey()));
        } else {
            DefaultCredentialsProvider chain = DefaultCredentialsProvider.builder().build();
            credentials = chain;
            owned = chain;
        }
        boolean whenRequired = o.checksumMode() == ReplicaSpec.ChecksumMode.WHEN_REQUIRED;
        S3ClientBuilder b = S3Client.builder()
                .httpClientBuilder(ApacheHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60))
                        .maxConnections(32))
                .credentialsProvider(credentials)
                .forcePathStyle(o.pathStyle())
                .requestChecksumCalculation(whenRequired ? RequestChecksumCalculation.WHEN_REQUIRED
                        : RequestChecksumCalculation.WHEN_SUPPORTED)
                .responseChecksumValidation(whenRequired ? ResponseChecksumValidation.WHEN_REQUIRED
                        : ResponseChecksumValidation.WHEN_SUPPORTED);
        if (whenRequired) {
            // Stores that predate the SDK's CRC checksums want Content-MD5 where S3 requires a checksum
            // (DeleteObjects); this restores the SDK's pre-2.30 behaviour there.
            b.addPlugin(LegacyMd5Plugin.create());
        }
        if (o.endpoint() != null) {
            b.endpointOverride(o.endpoint());
        }
        b.region(region(o));
        if (o.region() == null && o.endpoint() == null) {
            // No region configured anywhere: let the SDK follow S3's redirects to the bucket's region.
            b.crossRegionAccessEnabled(true);
        }
        try {
            return new S3Replica(b.build(), spec, owned, true);
        } catch (RuntimeException e) {
            closeQuietly(owned);
            throw e;
        }
    }

    private static Region region(ReplicaSpec.S3 o) {
        if (o.region() != null) {
            return Region.of(o.region());
        }
        if (o.endpoint() != null) {
            return Region.US_EAST_1;
        }
        try {
            return DefaultAwsRegionProviderChain.builder().build().getRegion();
        } catch (SdkException e) {
            return Region.US_EAST_1;
        }
    }

    /** The request counters (live; take {@link Counters#snapshot()} for a consistent copy). */
    @Override
    public RequestCounts requestCounts() {
        Snapshot c = counters.snapshot();
        // HEAD requests are billed like GETs.
        return new RequestCounts(c.put(), c.get() + c.head(), c.list(), c.delete());
    }

    public Counters counters() {
        return counters;
    }

    @Override
    public String url() {
        return url;
    }

    @Override
    public List<FileInfo> listFiles() throws IOException {
        List<FileInfo> out = new ArrayList<>();
        String token = null;
        try {
            do {
                ListObjectsV2Request.Builder req = ListObjectsV2Request.builder().bucket(bucket).prefix(keyPrefix);
                if (token != null) {
                    req.continuationToken(token);
                }
                counters.list.incrementAndGet();
                ListObjectsV2Response page = s3.listObjectsV2(req.build());
                for (S3Object obj : page.contents()) {
                    String key = obj.key();
                    if (!key.startsWith(keyPrefix)) {
                        continue;
                    }
                    long size = obj.size() == null ? -1 : obj.size();
                    FileInfo.parse(key.substring(keyPrefix.length()), size).ifPresent(out::add);
                }
                token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
            } while (token != null);
        } catch (SdkException e) {
            throw errors.translate(e, "listing the replica", null);
        }
        return out;
    }

    @Override
    public InputStream open(FileInfo file) throws IOException {
        String key = key(file.name());
        try {
            counters.get.incrementAndGet();
            return s3.getObject(GetObjectRequest.builder().bucket(bucket).key(key).build());
        } catch (SdkException e) {
            throw errors.translate(e, "reading " + file.name(), file.name());
        }
    }

    /** A ranged GET, so a dropped download resumes where it broke instead of starting over. */
    @Override
    public InputStream open(FileInfo file, long offset) throws IOException {
        if (offset < 0) throw new IllegalArgumentException("negative offset " + offset);
        if (offset == 0) return open(file);
        String key = key(file.name());
        try {
            counters.get.incrementAndGet();
            ResponseInputStream<GetObjectResponse> in =
                    s3.getObject(GetObjectRequest.builder().bucket(bucket).key(key).range("bytes=" + offset + "-").build());
            if (in.response().contentRange() == null) {
                // A store that ignores Range answers 200 with the whole object: skip to the offset ourselves.
                try {
                    in.skipNBytes(offset);
                } catch (IOException | RuntimeException e) {
                    in.abort();
                    in.close();
                    throw e;
                }
            }
            return in;
        } catch (S3Exception e) {
            if (e.statusCode() == 416) return InputStream.nullInputStream(); // at or past the end
            throw errors.translate(e, "reading " + file.name() + " from byte " + offset, file.name());
        } catch (SdkException e) {
            throw errors.translate(e, "reading " + file.name() + " from byte " + offset, file.name());
        }
    }

    @Override
    public void upload(FileInfo file, Path local) throws IOException {
        String key = key(file.name());
        BasicFileAttributes attrs = Files.readAttributes(local, BasicFileAttributes.class);
        if (!attrs.isRegularFile()) {
            throw new IOException("replica " + url + ": cannot upload " + file.name() + ": " + local
                    + " is not a regular file");
        }
        long size = attrs.size();
        if (size > MULTIPART_THRESHOLD) {
            multipart.upload(key, file.name(), local, size);
            return;
        }
        PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(bucket).key(key).contentLength(size);
        if (storageClass != null) {
            req.storageClass(StorageClass.fromValue(storageClass));
        }
        try {
            counters.put.incrementAndGet();
            s3.putObject(req.build(), RequestBody.fromContentProvider(S3Multipart.region(local, 0, size), size,
                    "application/octet-stream"));
        } catch (SdkException e) {
            throw errors.translate(e, "uploading " + file.name(), null);
        }
    }

    @Override
    public void delete(Collection<FileInfo> files) throws IOException {
        Set<String> keys = new LinkedHashSet<>();
        for (FileInfo f : files) {
            keys.add(key(f.name()));
        }
        Deque<String> pending = new ArrayDeque<>(keys);
        while (!pending.isEmpty()) {
            List<ObjectIdentifier> batch = new ArrayList<>();
            while (!pending.isEmpty() && batch.size() < DELETE_BATCH) {
                batch.add(ObjectIdentifier.builder().key(pending.poll()).build());
            }
            DeleteObjectsResponse r;
            try {
                counters.delete.incrementAndGet();
                r = s3.deleteObjects(DeleteObjectsRequest.builder().bucket(bucket)
                        .delete(Delete.builder().objects(batch).quiet(true).build()).build());
            } catch (SdkException e) {
                throw errors.translate(e, "deleting " + batch.size() + " files", null);
            }
            for (S3Error err : r.errors()) {
                if (!"NoSuchKey".equals(err.code())) {
                    String name = err.key() != null && err.key().startsWith(keyPrefix)
                            ? err.key().substring(keyPrefix.length()) : String.valueOf(err.key());
                    throw errors.deleteFailed(name, err);
                }
            }
        }
    }

    @Override
    public Optional<byte[]> readObject(String name) throws IOException {
        return readVersioned(name).map(Versioned::data);
    }

    @Override
    public void writeObject(String name, byte[] data) throws IOException {
        String key = key(name);
        try {
            counters.put.incrementAndGet();
            s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key).build(), RequestBody.fromBytes(data));
        } catch (SdkException e) {
            throw errors.translate(e, "writing " + name, null);
        }
    }

    @Override
    public Optional<Versioned> readVersioned(String name) throws IOException {
        String key = key(name);
        try {
            counters.get.incrementAndGet();
            ResponseBytes<GetObjectResponse> r = s3.getObjectAsBytes(GetObjectRequest.builder().bucket(bucket)
                    .key(key).build());
            return Optional.of(new Versioned(r.asByteArray(), r.response().eTag()));
        } catch (SdkException e) {
            IOException io = errors.translate(e, "reading " + name, name);
            if (io instanceof NoSuchFileException) {
                return Optional.empty();
            }
            throw io;
        }
    }

    @Override
    public String writeIf(String name, byte[] data, String expectedVersion) throws IOException {
        String key = key(name);
        PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(bucket).key(key);
        if (expectedVersion == null) {
            req.ifNoneMatch("*");
        } else {
            req.ifMatch(expectedVersion);
        }
        try {
            counters.put.incrementAndGet();
            PutObjectResponse r = s3.putObject(req.build(), RequestBody.fromBytes(data));
            return r.eTag();
        } catch (S3Exception e) {
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            boolean lost = e.statusCode() == 412 || "PreconditionFailed".equals(code)
                    || (e.statusCode() == 409 && "ConditionalRequestConflict".equals(code))
                    // If-Match on an object that was deleted meanwhile
                    || (expectedVersion != null && e.statusCode() == 404 && !"NoSuchBucket".equals(code));
            if (lost) {
                throw new PreconditionFailedException("replica " + url + ": " + name + " was changed by another"
                        + " writer (" + (expectedVersion == null ? "it already exists" : "its version is no longer "
                        + expectedVersion) + ")");
            }
            throw errors.translate(e, "writing " + name, null);
        } catch (SdkException e) {
            throw errors.translate(e, "writing " + name, null);
        }
    }

    /** Checks that the bucket exists and the credentials may use it (one HEAD request). */
    public void check() throws IOException {
        try {
            counters.head.incrementAndGet();
            s3.headBucket(HeadBucketRequest.builder().bucket(bucket).build());
        } catch (SdkException e) {
            throw errors.translate(e, "checking the bucket", null);
        }
    }

    /** The object key of a replica-relative name; refuses names that are empty or escape the prefix. */
    private String key(String name) throws IOException {
        if (name == null || name.isEmpty() || name.indexOf('\0') >= 0) {
            throw new IOException("replica " + url + ": object name "
                    + (name == null ? "null" : "\"" + name.replace('\0', '?') + "\"") + " is not a valid object name");
        }
        if (name.startsWith("/") || name.indexOf('\\') >= 0) {
            throw new IOException("replica " + url + ": object name \"" + name + "\" escapes the replica root");
        }
        Deque<String> parts = new ArrayDeque<>();
        for (String part : name.split("/", -1)) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    throw new IOException("replica " + url + ": object name \"" + name
                            + "\" escapes the replica root");
                }
                parts.removeLast();
            } else {
                parts.addLast(part);
            }
        }
        if (parts.isEmpty()) {
            throw new IOException("replica " + url + ": object name \"" + name + "\" is not a valid object name");
        }
        return keyPrefix + String.join("/", parts);
    }

    @Override
    public void close() {
        if (ownsClient) {
            s3.close();
            closeQuietly(ownedCredentials);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // nothing useful to do: we are shutting down
        }
    }
}
