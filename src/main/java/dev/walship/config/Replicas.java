package dev.walship.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a {@code replicas:} list whose entries are URL strings, {@code {url: ...}} (plus credential files), or the
 * map forms {@code {type: file, path:}}, {@code {type: s3, bucket:, path:, ...}} and {@code {type: gcs, bucket:, ...}}.
 */
final class Replicas {
    private Replicas() {
    }

    /** The replicas, or null if the list or any entry was bad (all problems reported). */
    static List<ReplicaSpec> fromYaml(JsonNode node, String path, Path baseDir, Problems p, Set<String> redacted) {
        if (node == null || node.isNull()) {
            p.add(path, "required (add at least one replica, e.g. replicas: [\"file:///backups/app\"])");
            return null;
        }
        if (!node.isArray()) {
            p.add(path, "must be a list (write one \"- file:///backups/app\" line per replica)");
            return null;
        }
        if (node.isEmpty()) {
            p.add(path, "at least one replica is required (add e.g. - file:///backups/app)");
            return null;
        }
        List<ReplicaSpec> specs = new ArrayList<>();
        boolean ok = true;
        for (int j = 0; j < node.size(); j++) {
            String key = path + "[" + j + "]";
            ReplicaSpec spec = entry(node.get(j), key, baseDir, p, redacted);
            ok &= spec != null;
            specs.add(spec);
        }
        return ok ? specs : null;
    }

    private static ReplicaSpec entry(JsonNode el, String key, Path baseDir, Problems p, Set<String> redacted) {
        if (el.isNull()) {
            p.add(key, "empty entry (give a URL such as file:///backups/app, or remove the line)");
            return null;
        }
        if (el.isValueNode()) {
            return ReplicaUrls.parse(el.asText(), key, false, p);
        }
        if (!el.isObject()) {
            p.add(key, "must be a URL or a map such as {url: file:///backups/app}");
            return null;
        }
        Section s = Section.read(el, key, Keys.REPLICA, k -> null, baseDir, p);
        Setting url = s.values.get(Keys.URL);
        Setting type = s.values.get(Keys.TYPE);
        Setting dir = s.values.get(Keys.PATH);
        Setting bucket = s.values.get(Keys.BUCKET);
        ReplicaSpec spec;
        if (url != null) {
            for (String k : StoreSpecs.LOCATION_KEYS) {
                if (s.values.containsKey(k)) {
                    p.add(key, "give either url: or type: with path: or bucket:, not both (only credentials may go"
                            + " next to url:)");
                    return null;
                }
            }
            spec = ReplicaUrls.parse(url.text(), url.keyPath(), url.secret(), p);
            if (spec == null) {
                return null;
            }
            Map<String, Setting> creds = new LinkedHashMap<>();
            for (String k : Keys.REPLICA_CREDENTIALS) {
                if (s.values.containsKey(k)) {
                    creds.put(k, s.values.get(k));
                }
            }
            spec = StoreSpecs.withCredentials(spec, creds, baseDir, p);
        } else if (type == null && dir == null && bucket == null) {
            if (el.size() == 0 || s.values.size() == el.size()) {
                p.add(key, "needs url:, or type: with path: or bucket: (e.g. {url: file:///backups/app}, {type: file,"
                        + " path: /backups/app} or {type: s3, bucket: my-backups, path: app})");
            }
            return null;
        } else {
            ReplicaType t = type == null ? (bucket == null ? ReplicaType.FILE : null)
                    : ReplicaType.fromName(type.text());
            if (t == null && type == null) {
                p.add(key + "." + Keys.TYPE, "required with bucket: (type: s3 or type: gcs)");
                return null;
            }
            if (t == null) {
                p.add(type.keyPath(), type.redact("unknown replica type \"" + type.text().strip()
                        + "\" (supported: file, s3, gcs)"));
                return null;
            }
            if (t == ReplicaType.FILE) {
                for (Map.Entry<String, Setting> e : s.values.entrySet()) {
                    if (!e.getKey().equals(Keys.TYPE) && !e.getKey().equals(Keys.PATH)) {
                        p.add(e.getValue().keyPath(), "not used by file replicas (remove it; file replicas take only"
                                + " path:)");
                        return null;
                    }
                }
                if (dir == null) {
                    p.add(key + "." + Keys.PATH, "required (give the absolute directory of the replica, e.g."
                            + " /backups/app)");
                    return null;
                }
                spec = ReplicaUrls.typeAndPath(type == null ? null : type.text(),
                        type == null ? key + "." + Keys.TYPE : type.keyPath(), dir.text(), dir.keyPath(),
                        dir.secret(), p);
            } else {
                spec = StoreSpecs.fromMap(t, s.values, key, baseDir, p);
            }
        }
        if (spec != null) {
            // A location read from a secret file is hidden whole; credentials are never printed anyway.
            for (Map.Entry<String, Setting> e : s.values.entrySet()) {
                if (!Keys.REPLICA_CREDENTIALS.contains(e.getKey()) && e.getValue().keyPath().endsWith(Keys.FILE_SUFFIX)
                        && e.getValue().secret()) {
                    redacted.add(key);
                }
            }
            if ((url != null && url.secret()) || (dir != null && dir.secret())) {
                redacted.add(key);
            }
        }
        return spec;
    }
}
