package dev.walship.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads a {@code replicas:} list whose entries are URL strings, {@code {url: ...}} or {@code {type:, path:}}. */
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
        ReplicaSpec spec;
        if (url != null && (type != null || dir != null)) {
            p.add(key, "give either url: or type: and path:, not both");
            return null;
        } else if (url != null) {
            spec = ReplicaUrls.parse(url.text(), url.keyPath(), url.secret(), p);
        } else if (dir != null) {
            spec = ReplicaUrls.typeAndPath(type == null ? null : type.text(),
                    type == null ? key + "." + Keys.TYPE : type.keyPath(), dir.text(), dir.keyPath(), dir.secret(), p);
        } else {
            if (el.size() == 0 || s.values.size() == el.size()) {
                p.add(key, "needs url: or path: (e.g. {url: file:///backups/app} or {type: file, path: /backups/app})");
            }
            return null;
        }
        if (spec != null && ((url != null && url.secret()) || (dir != null && dir.secret()))) {
            redacted.add(key);
        }
        return spec;
    }
}
