package dev.walship.config;

import java.util.Locale;

/** The kinds of replica storage this build can write to. */
public enum ReplicaType {
    /** A directory on a local or mounted file system. */
    FILE("file", "file"),
    /** A bucket prefix in Amazon S3 or an S3-compatible store (MinIO, R2, B2, Ceph, S3Proxy...). */
    S3("s3", "s3"),
    /** A bucket prefix in Google Cloud Storage. */
    GCS("gs", "gcs");

    private final String scheme;
    private final String typeName;

    ReplicaType(String scheme, String typeName) {
        this.scheme = scheme;
        this.typeName = typeName;
    }

    /** The URL scheme ({@code file}, {@code s3}, {@code gs}). */
    public String scheme() {
        return scheme;
    }

    /** The {@code type:} value in sidecar.yml ({@code file}, {@code s3}, {@code gcs}). */
    public String typeName() {
        return typeName;
    }

    /** The type for a {@code type:} value or URL scheme (case-insensitive; gs and gcs both mean GCS), or null. */
    static ReplicaType fromName(String name) {
        if (name == null) {
            return null;
        }
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "file" -> FILE;
            case "s3" -> S3;
            case "gs", "gcs" -> GCS;
            default -> null;
        };
    }
}
