package dev.walship.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Where one replica of a database lives: its storage type and location.
 *
 * <ul>
 *   <li>{@link ReplicaType#FILE}: {@link #path()} is the absolute, normalized directory; {@code s3} and {@code gcs}
 *   are null.</li>
 *   <li>{@link ReplicaType#S3}: {@link #s3()} holds bucket, prefix and connection settings; {@code path} is null.</li>
 *   <li>{@link ReplicaType#GCS}: {@link #gcs()} holds bucket, prefix and credentials; {@code path} is null.</li>
 * </ul>
 * {@link #toString()} never shows credentials.
 */
public record ReplicaSpec(ReplicaType type, Path path, S3 s3, Gcs gcs) {

    public ReplicaSpec {
        Objects.requireNonNull(type, "type");
        switch (type) {
            case FILE -> {
                Objects.requireNonNull(path, "path");
                if (!path.isAbsolute()) {
                    // A relative replica would silently follow the sidecar's working directory.
                    throw new IllegalArgumentException("replica path must be absolute (start it with /)");
                }
                path = path.normalize();
                if (s3 != null || gcs != null) {
                    throw new IllegalArgumentException("a file replica has no s3 or gcs settings");
                }
            }
            case S3 -> {
                Objects.requireNonNull(s3, "s3");
                if (path != null || gcs != null) {
                    throw new IllegalArgumentException("an s3 replica has no path or gcs settings");
                }
            }
            case GCS -> {
                Objects.requireNonNull(gcs, "gcs");
                if (path != null || s3 != null) {
                    throw new IllegalArgumentException("a gcs replica has no path or s3 settings");
                }
            }
        }
    }

    /** A replica of the given type at a local path (only {@link ReplicaType#FILE} has one). */
    public ReplicaSpec(ReplicaType type, Path path) {
        this(type, path, null, null);
    }

    /** A file replica in the given absolute directory. */
    public static ReplicaSpec file(Path path) {
        return new ReplicaSpec(ReplicaType.FILE, path, null, null);
    }

    public static ReplicaSpec s3(S3 s3) {
        return new ReplicaSpec(ReplicaType.S3, null, s3, null);
    }

    public static ReplicaSpec gcs(Gcs gcs) {
        return new ReplicaSpec(ReplicaType.GCS, null, null, gcs);
    }

    /** How the AWS SDK adds and checks CRC checksums (its requestChecksumCalculation/responseChecksumValidation). */
    public enum ChecksumMode {
        /** The SDK default: checksum every request that supports one. */
        WHEN_SUPPORTED,
        /** Only where the API requires it; what many S3-compatible stores (R2, B2, older MinIO) need. */
        WHEN_REQUIRED;

        String text() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * An S3 (or S3-compatible) replica location. Objects live under {@code <prefix>/<name>} (or {@code <name>}
     * when the prefix is empty).
     *
     * @param bucket          the bucket, checked against S3's naming rules
     * @param prefix          the key prefix without leading or trailing slash; empty for the bucket root
     * @param endpoint        a custom endpoint ({@code http(s)://host[:port]}) for S3-compatible stores, or null for AWS
     * @param region          the signing region, or null (us-east-1 with a custom endpoint, else the AWS default chain)
     * @param pathStyle       address the bucket in the path instead of the host name (most self-hosted stores need it)
     * @param checksumMode    when the SDK computes and checks checksums
     * @param storageClass    the storage class of uploaded data files, or null for the bucket's default
     * @param accessKeyId     static credentials from a secret file, or null (both or neither) for the AWS default chain
     * @param secretAccessKey the secret for {@code accessKeyId}; never printed
     */
    public record S3(String bucket, String prefix, URI endpoint, String region, boolean pathStyle,
            ChecksumMode checksumMode, String storageClass, String accessKeyId, String secretAccessKey) {

        public S3 {
            prefix = StoreRules.normalizePrefix(prefix);
            checksumMode = checksumMode == null ? ChecksumMode.WHEN_SUPPORTED : checksumMode;
            Problems p = new Problems();
            p.check("bucket", StoreRules.s3Bucket(bucket));
            p.check("path", StoreRules.prefix(prefix));
            if (endpoint != null) {
                try {
                    endpoint = StoreRules.endpoint(endpoint.toString());
                } catch (IllegalArgumentException e) {
                    p.add("endpoint", e.getMessage());
                }
            }
            if (region != null) {
                p.check("region", StoreRules.region(region));
            }
            if (storageClass != null) {
                try {
                    storageClass = StoreRules.storageClass(storageClass);
                } catch (IllegalArgumentException e) {
                    p.add("storage-class", e.getMessage());
                }
            }
            if ((accessKeyId == null) != (secretAccessKey == null)) {
                p.add(accessKeyId == null ? "access-key-id" : "secret-access-key", "give both access-key-id-file:"
                        + " and secret-access-key-file:, or neither to use the AWS default credentials");
            } else if (accessKeyId != null) {
                p.check("access-key-id", StoreRules.credential(accessKeyId, "access key id"));
                p.check("secret-access-key", StoreRules.credential(secretAccessKey, "secret access key"));
            }
            p.throwUncheckedIfAny();
        }

        /** Defaults for everything but the location: AWS, default region, credentials and checksums. */
        public static S3 of(String bucket, String prefix) {
            return new S3(bucket, prefix, null, null, false, ChecksumMode.WHEN_SUPPORTED, null, null, null);
        }

        /** The same location with static credentials. */
        public S3 withCredentials(String accessKeyId, String secretAccessKey) {
            return new S3(bucket, prefix, endpoint, region, pathStyle, checksumMode, storageClass, accessKeyId,
                    secretAccessKey);
        }

        public boolean hasCredentials() {
            return accessKeyId != null;
        }

        /** Path-style addressing is the default with a custom endpoint (self-hosted stores rarely have bucket DNS). */
        static boolean defaultPathStyle(URI endpoint) {
            return endpoint != null;
        }

        @Override
        public String toString() {
            return "S3[bucket=" + bucket + ", prefix=" + prefix + ", endpoint=" + endpoint + ", region=" + region
                    + ", pathStyle=" + pathStyle + ", checksumMode=" + checksumMode + ", storageClass=" + storageClass
                    + ", credentials=" + (hasCredentials() ? "<redacted>" : "default chain") + "]";
        }
    }

    /**
     * A Google Cloud Storage replica location.
     *
     * @param bucket          the bucket, checked against GCS's naming rules
     * @param prefix          the object name prefix without leading or trailing slash; empty for the bucket root
     * @param credentialsFile a service-account JSON key file, or null for Application Default Credentials
     * @param endpoint        a custom endpoint ({@code http(s)://host[:port]}) for tests and emulators, or null
     */
    public record Gcs(String bucket, String prefix, Path credentialsFile, URI endpoint) {

        public Gcs {
            prefix = StoreRules.normalizePrefix(prefix);
            Problems p = new Problems();
            p.check("bucket", StoreRules.gcsBucket(bucket));
            p.check("path", StoreRules.prefix(prefix));
            if (credentialsFile != null) {
                if (!credentialsFile.isAbsolute()) {
                    p.add("credentials-file", "must be an absolute path (start it with /)");
                } else {
                    credentialsFile = credentialsFile.normalize();
                }
            }
            if (endpoint != null) {
                try {
                    endpoint = StoreRules.endpoint(endpoint.toString());
                } catch (IllegalArgumentException e) {
                    p.add("endpoint", e.getMessage());
                }
            }
            p.throwUncheckedIfAny();
        }

        public static Gcs of(String bucket, String prefix) {
            return new Gcs(bucket, prefix, null, null);
        }
    }

    /** The bucket of an object-store replica, or null for a file replica. */
    public String bucket() {
        return s3 != null ? s3.bucket() : gcs != null ? gcs.bucket() : null;
    }

    /** The key prefix of an object-store replica (empty for the bucket root), or null for a file replica. */
    public String prefix() {
        return s3 != null ? s3.prefix() : gcs != null ? gcs.prefix() : null;
    }

    /**
     * This replica as a URL that is safe to log: it never contains credentials, and it parses back to the same
     * replica with {@link ReplicaUrls#parse} (except for credentials, which only come from secret files or the
     * store's default credential chain).
     */
    public String safeUrl() {
        return switch (type) {
            case FILE -> type.scheme() + "://" + escapePath(path.toString());
            case S3 -> {
                List<String> q = new ArrayList<>();
                if (s3.endpoint() != null) {
                    q.add("endpoint=" + escapeQuery(s3.endpoint().toString()));
                }
                if (s3.region() != null) {
                    q.add("region=" + s3.region());
                }
                if (s3.pathStyle() != S3.defaultPathStyle(s3.endpoint())) {
                    q.add("path-style=" + s3.pathStyle());
                }
                if (s3.checksumMode() != ChecksumMode.WHEN_SUPPORTED) {
                    q.add("checksum=" + s3.checksumMode().text());
                }
                if (s3.storageClass() != null) {
                    q.add("storage-class=" + s3.storageClass());
                }
                yield objectUrl(q);
            }
            case GCS -> {
                List<String> q = new ArrayList<>();
                if (gcs.endpoint() != null) {
                    q.add("endpoint=" + escapeQuery(gcs.endpoint().toString()));
                }
                if (gcs.credentialsFile() != null) {
                    q.add("credentials-file=" + escapeQuery(gcs.credentialsFile().toString()));
                }
                yield objectUrl(q);
            }
        };
    }

    /**
     * True if the two replicas could see each other's objects: the same directory or one inside the other, or the
     * same bucket (on the same endpoint) with one prefix inside the other.
     */
    public boolean overlaps(ReplicaSpec other) {
        if (type != other.type) {
            return false;
        }
        if (type == ReplicaType.FILE) {
            return path.startsWith(other.path) || other.path.startsWith(path);
        }
        URI e1 = s3 != null ? s3.endpoint() : gcs.endpoint();
        URI e2 = other.s3 != null ? other.s3.endpoint() : other.gcs.endpoint();
        if (!Objects.equals(e1, e2) || !bucket().equals(other.bucket())) {
            return false;
        }
        return within(prefix(), other.prefix()) || within(other.prefix(), prefix());
    }

    private static boolean within(String inner, String outer) {
        return outer.isEmpty() || inner.equals(outer) || inner.startsWith(outer + "/");
    }

    private String objectUrl(List<String> query) {
        String p = prefix();
        String base = type.scheme() + "://" + bucket() + (p.isEmpty() ? "" : "/" + escapePath(p));
        return query.isEmpty() ? base : base + "?" + String.join("&", query);
    }

    // Escape only what the URL parser would otherwise read as an escape, a query or a fragment.
    private static String escapePath(String s) {
        return s.replace("%", "%25").replace("?", "%3F").replace("#", "%23");
    }

    private static String escapeQuery(String s) {
        return s.replace("%", "%25").replace("&", "%26").replace("#", "%23");
    }
}
