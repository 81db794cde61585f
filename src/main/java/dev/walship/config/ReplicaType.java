package dev.walship.config;

/** The kinds of replica storage this build can write to. */
public enum ReplicaType {
    /** A directory on a local or mounted file system. */
    FILE("file");

    private final String scheme;

    ReplicaType(String scheme) {
        this.scheme = scheme;
    }

    /** The URL scheme and the {@code type:} value in sidecar.yml. */
    public String scheme() {
        return scheme;
    }
}
