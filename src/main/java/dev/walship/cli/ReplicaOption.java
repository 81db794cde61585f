package dev.walship.cli;

import dev.walship.config.ConfigException;
import dev.walship.config.ReplicaSpec;
import dev.walship.config.ReplicaUrls;
import dev.walship.replica.ReplicaClient;
import dev.walship.replica.ReplicaFactory;
import dev.walship.replica.ReplicaSync;
import java.io.IOException;

/** Opens the replica named by a command's {@code --replica} flag, with the CLI's error messages. */
final class ReplicaOption {
    private ReplicaOption() {}

    /** The caller closes the client. Refuses replicas written by a newer walship. */
    static ReplicaClient open(String url) throws IOException {
        ReplicaSpec spec;
        try {
            spec = ReplicaUrls.parse(url, "--replica");
        } catch (ConfigException e) {
            throw new CliException(CliException.BAD_INPUT, String.join("; ", e.problems()), e);
        }
        ReplicaClient client = ReplicaFactory.open(spec);
        try {
            if (client.readObject(ReplicaSync.MANIFEST).isPresent()) ReplicaSync.checkManifest(client);
        } catch (IOException e) {
            client.close();
            throw e;
        }
        return client;
    }

    static boolean isEmpty(ReplicaClient client) throws IOException {
        return client.listFiles().stream().noneMatch(f -> f.isSnapshot());
    }
}
