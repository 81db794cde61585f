package dev.walship.replica;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The labelled snapshots of a replica, stored as one small object {@value #OBJECT} (docs/FORMAT.md, "Labels").
 * Pure: parsing, validation and the keep-last-N rule; {@link ReplicaSync} does the I/O.
 *
 * @param labels oldest first (by when the label was written)
 */
public record Labels(List<Label> labels) {
    public static final String OBJECT = "labels.json";
    public static final int FORMAT = 1;
    /** Deploy tags (v1.4.2, 2026-12-04.3, 1.2.0+build.7, pre-restore-20261204T230000Z): no path, no spaces. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,127}");
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final Labels EMPTY = new Labels(List.of());

    /**
     * One labelled snapshot.
     *
     * @param label   the deploy tag
     * @param txid    the snapshot's txid: restoring to the label restores exactly this transaction
     * @param time    the snapshot's time (epoch ms, as in its file name)
     * @param created when the label was written (epoch ms); orders the labels for keep-labels
     */
    public record Label(String label, long txid, long time, long created) {
        public Label {
            String bad = checkName(label);
            if (bad != null) throw new IllegalArgumentException(bad);
            if (txid < 1) throw new IllegalArgumentException("label " + label + ": txid must be positive");
        }
    }

    public Labels {
        labels = List.copyOf(labels);
    }

    /** Null when {@code name} is a valid label, else what is wrong with it and how to fix it. */
    public static String checkName(String name) {
        if (name == null || name.isEmpty()) return "label is empty (use the deploy tag, e.g. v1.4.2)";
        if (!NAME.matcher(name).matches()) {
            String shown = name.length() > 40 ? name.substring(0, 40) + "..." : name;
            shown = shown.replaceAll("[^\\x20-\\x7e]", "?");
            return "label \"" + shown + "\" is not valid: use 1-128 letters, digits, '.', '_', '+' or '-', starting"
                    + " with a letter or digit (e.g. v1.4.2)";
        }
        return null;
    }

    public Optional<Label> find(String name) {
        return labels.stream().filter(l -> l.label().equals(name)).findFirst();
    }

    /** The label names, oldest first (for "unknown label" answers). */
    public List<String> names() {
        return labels.stream().map(Label::label).toList();
    }

    /** Snapshot txids that retention must keep. */
    public Set<Long> pinnedTxids() {
        return labels.stream().map(Label::txid).collect(Collectors.toSet());
    }

    /**
     * Adds (or moves: a label written again names the new snapshot) a label, then keeps only the newest
     * {@code keep}. Labels are pinned only while kept.
     */
    public Labels with(Label label, int keep) {
        List<Label> out = new ArrayList<>();
        for (Label l : labels) if (!l.label().equals(label.label())) out.add(l);
        out.add(label);
        out.sort(java.util.Comparator.comparingLong(Label::created));
        int from = Math.max(0, out.size() - Math.max(1, keep));
        return new Labels(out.subList(from, out.size()));
    }

    public byte[] toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        ArrayNode arr = root.putArray("labels");
        for (Label l : labels) {
            ObjectNode n = arr.addObject();
            n.put("label", l.label());
            n.put("txid", l.txid());
            n.put("time", l.time());
            n.put("created", Instant.ofEpochMilli(l.created()).toString());
        }
        try {
            return (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("serialize labels", e); // a tree of strings and numbers always serializes
        }
    }

    /**
     * Parses {@value #OBJECT}.
     *
     * @param where the replica's URL, for messages
     * @throws IOException naming the replica when the object is damaged or from a newer walship
     */
    public static Labels parse(byte[] json, String where) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IOException("replica " + where + ": " + OBJECT + " is not valid JSON (the replica is damaged;"
                    + " remove the object to forget every label)", e);
        }
        int format = root == null ? -1 : root.path("format").asInt(-1);
        if (format > FORMAT) {
            throw new IOException("replica " + where + ": " + OBJECT + " has format " + format + ", this walship reads up"
                    + " to " + FORMAT + "; upgrade walship");
        }
        if (format < 1 || !root.path("labels").isArray()) {
            throw new IOException("replica " + where + ": " + OBJECT + " has no format number or no labels list (the"
                    + " replica is damaged; remove the object to forget every label)");
        }
        List<Label> out = new ArrayList<>();
        for (JsonNode n : root.path("labels")) {
            try {
                long created = Instant.parse(n.path("created").asText()).toEpochMilli();
                if (!n.path("txid").canConvertToLong() || !n.path("time").canConvertToLong()) {
                    throw new IllegalArgumentException("txid and time must be integers");
                }
                out.add(new Label(n.path("label").asText(), n.path("txid").asLong(), n.path("time").asLong(), created));
            } catch (RuntimeException e) {
                throw new IOException("replica " + where + ": " + OBJECT + " has an invalid entry " + n + ": "
                        + e.getMessage() + " (the replica is damaged)", e);
            }
        }
        out.sort(java.util.Comparator.comparingLong(Label::created));
        return new Labels(out);
    }
}
