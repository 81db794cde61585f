package dev.walship.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.function.Function;

/** One YAML map (or the CLI flags) split into single-value settings and nested structures, keys checked. */
final class Section {
    final Map<String, Setting> values;
    final Map<String, JsonNode> nested;

    Section(Map<String, Setting> values, Map<String, JsonNode> nested) {
        this.values = values;
        this.nested = nested;
    }

    static Section empty() {
        return new Section(Map.of(), Map.of());
    }

    /**
     * Reads a map. {@code elsewhere} returns a message for keys that are known but misplaced (e.g. a per-db key at
     * the top level), or null; other unknown keys get a "did you mean".
     */
    static Section read(JsonNode node, String path, List<String> known, Function<String, String> elsewhere,
            Path baseDir, Problems p) {
        Map<String, Setting> values = new LinkedHashMap<>();
        Map<String, JsonNode> nested = new LinkedHashMap<>();
        for (Entry<String, JsonNode> e : node.properties()) {
            String key = e.getKey();
            JsonNode value = e.getValue();
            String keyPath = path.isEmpty() ? key : path + "." + key;
            String base = key;
            boolean fromFile = false;
            if (key.endsWith(Keys.FILE_SUFFIX)) {
                String stripped = key.substring(0, key.length() - Keys.FILE_SUFFIX.length());
                if (known.contains(stripped) && !Keys.isStructure(stripped)) {
                    base = stripped;
                    fromFile = true;
                }
            }
            if (!known.contains(base)) {
                String hint = elsewhere.apply(base);
                p.add(keyPath, hint != null ? hint : unknown(base, known));
                continue;
            }
            if (fromFile && node.has(base)) {
                p.add(keyPath, "both " + base + " and " + key + " are set (keep one)");
                continue;
            }
            if (Keys.isStructure(base)) {
                nested.put(base, value);
            } else if (value == null || value.isNull() || value.isMissingNode()) {
                p.add(keyPath, "has no value (set one, or remove the key to use the default)");
            } else if (value.isContainerNode()) {
                p.add(keyPath, "must be a single value, not a list or map");
            } else if (fromFile) {
                String content = SecretValues.read(value.asText(), keyPath, baseDir, p);
                if (content != null) {
                    values.put(base, new Setting(content, keyPath, true));
                }
            } else {
                values.put(base, new Setting(value.asText(), keyPath, Rules.isSensitiveKey(base)));
            }
        }
        return new Section(values, nested);
    }

    static String unknown(String key, List<String> known) {
        String suggestion = Keys.suggest(key, known);
        return suggestion != null
                ? "unknown key (did you mean " + suggestion + "?)"
                : "unknown key (known keys here: " + String.join(", ", known) + ")";
    }
}
