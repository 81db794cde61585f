package dev.walship.config;

import java.nio.file.Path;
import java.util.Objects;

/** Where one replica of a database lives: its storage type and its absolute, normalized location. */
public record ReplicaSpec(ReplicaType type, Path path) {

    public ReplicaSpec {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(path, "path");
        if (!path.isAbsolute()) {
            // A relative replica would silently follow the sidecar's working directory.
            throw new IllegalArgumentException("replica path must be absolute (start it with /)");
        }
        path = path.normalize();
    }

    /** A file replica in the given absolute directory. */
    public static ReplicaSpec file(Path path) {
        return new ReplicaSpec(ReplicaType.FILE, path);
    }

    /**
     * This replica as a URL that is safe to log: it never contains credentials, and it parses back to the same
     * replica with {@link ReplicaUrls#parse}.
     */
    public String safeUrl() {
        // Escape only what the URL parser would otherwise read as an escape, a query or a fragment.
        String p = path.toString().replace("%", "%25").replace("?", "%3F").replace("#", "%23");
        return type.scheme() + "://" + p;
    }
}
