package dev.walship.replica;

import dev.walship.config.ReplicaSpec;
import dev.walship.replica.file.FileReplica;

/** Creates the client for a configured replica; the one place that knows every backend. */
public final class ReplicaFactory {
    private ReplicaFactory() {}

    /** The caller closes the returned client. */
    public static ReplicaClient open(ReplicaSpec spec) {
        return switch (spec.type()) {
            case FILE -> new FileReplica(spec.path());
        };
    }
}
