package dev.walship.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.walship.replica.Labels;
import dev.walship.replica.ReplicaClient;
import dev.walship.replica.ReplicaSync;
import dev.walship.restore.RestoreWindow;
import dev.walship.segment.FileInfo;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code walship snapshots}: what a replica can restore (the window) and its snapshots. */
@Command(name = "snapshots", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "List the restorable window and the snapshots of a replica.")
public final class SnapshotsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--replica", required = true, paramLabel = "URL", description = "file:///backups/app or an absolute path.")
    String replica;

    @Option(names = "--json", description = "One JSON document instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (ReplicaClient client = ReplicaOption.open(replica)) {
            List<FileInfo> files = client.listFiles();
            List<FileInfo> snaps = files.stream().filter(FileInfo::isSnapshot)
                    .sorted(Comparator.comparingLong(FileInfo::maxTxid)).toList();
            Optional<RestoreWindow> window = RestoreWindow.of(files);
            Labels labels = ReplicaSync.readLabels(client);
            if (json) {
                out.println(toJson(client.url(), window, snaps, files.size(), labels));
                return 0;
            }
            if (window.isEmpty()) {
                throw new CliException(CliException.BAD_INPUT, "replica " + client.url()
                        + " has no snapshots yet (is walship replicate running against it?)");
            }
            RestoreWindow w = window.get();
            out.printf("replica   %s%n", client.url());
            out.printf("earliest  txid %d  %s%n", w.earliestTxid(), Instant.ofEpochMilli(w.earliestTime()));
            out.printf("latest    txid %d  %s%n", w.latestTxid(), Instant.ofEpochMilli(w.latestTime()));
            out.printf("%n%-10s %-26s %12s  %s%n", "TXID", "TIME", "SIZE", "LABELS");
            for (FileInfo s : snaps) {
                out.printf("%-10d %-26s %12d  %s%n", s.maxTxid(), Instant.ofEpochMilli(s.maxTime()), s.size(),
                        String.join(", ", labelsOf(labels, s)));
            }
            return 0;
        }
    }

    /** Labels naming this snapshot (a label names a txid; a snapshot at that txid restores it). */
    private static List<String> labelsOf(Labels labels, FileInfo snap) {
        return labels.labels().stream().filter(l -> l.txid() == snap.maxTxid()).map(Labels.Label::label).toList();
    }

    private static String toJson(String url, Optional<RestoreWindow> window, List<FileInfo> snaps, int files,
                                 Labels labels) throws Exception {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("replica", url);
        root.put("files", files);
        if (window.isPresent()) {
            RestoreWindow w = window.get();
            root.put("earliestTxid", w.earliestTxid());
            root.put("earliestTime", Instant.ofEpochMilli(w.earliestTime()).toString());
            root.put("latestTxid", w.latestTxid());
            root.put("latestTime", Instant.ofEpochMilli(w.latestTime()).toString());
        } else {
            root.putNull("earliestTxid");
            root.putNull("latestTxid");
        }
        ArrayNode arr = root.putArray("snapshots");
        for (FileInfo s : snaps) {
            ObjectNode n = arr.addObject();
            n.put("txid", s.maxTxid());
            n.put("time", Instant.ofEpochMilli(s.maxTime()).toString());
            n.put("size", s.size());
            List<String> names = labelsOf(labels, s);
            if (names.isEmpty()) n.putNull("label"); else n.put("label", names.get(names.size() - 1));
            ArrayNode all = n.putArray("labels");
            names.forEach(all::add);
        }
        ArrayNode ls = root.putArray("labels");
        for (Labels.Label l : labels.labels()) {
            ObjectNode n = ls.addObject();
            n.put("label", l.label());
            n.put("txid", l.txid());
            n.put("time", Instant.ofEpochMilli(l.time()).toString());
            n.put("created", Instant.ofEpochMilli(l.created()).toString());
        }
        return m.writeValueAsString(root);
    }
}
