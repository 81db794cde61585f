package dev.walship.replica;

import dev.walship.config.ReplicaSpec;
import dev.walship.replica.file.FileReplica;
import dev.walship.replica.gcs.GcsReplica;
import dev.walship.replica.s3.S3Replica;
import java.io.IOException;
import java.util.Optional;

/** Creates the client for a configured replica; the one place that knows every backend. */
public final class ReplicaFactory {
    private ReplicaFactory() {}

    /** The caller closes the returned client. */
    public static ReplicaClient open(ReplicaSpec spec) throws IOException {
        return switch (spec.type()) {
            case FILE -> new FileReplica(spec.path());
            case S3 -> S3Replica.create(spec);
            case GCS -> {
                ReplicaSpec.Gcs g = spec.gcs();
                yield GcsReplica.create(g.bucket(), g.prefix(), Optional.ofNullable(g.credentialsFile()),
                        Optional.ofNullable(g.endpoint()).map(Object::toString));
            }
        };
    }
}
