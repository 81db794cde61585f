package dev.walship.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Loads a {@link SidecarConfig} from sidecar.yml or from CLI flags, reporting every problem at once, each under
 * the key path (or flag) the user wrote.
 */
public final class ConfigLoader {
    private static final YAMLMapper YAML = YAMLMapper.builder()
            // A key written twice is a mistake we report instead of silently keeping the last one.
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private ConfigLoader() {
    }

    /** Loads and validates sidecar.yml, expanding {@code ${VAR}} from {@code env}. */
    public static SidecarConfig load(Path yaml, Map<String, String> env) throws ConfigException {
        JsonNode root = parse(yaml, read(yaml));
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new ConfigException("config " + yaml + ": file is empty (add a dbs: list; see sidecar.yml.example)");
        }
        if (!root.isObject()) {
            throw new ConfigException("config " + yaml + ": must be a map with a dbs: list at the top (see"
                    + " sidecar.yml.example)");
        }
        Problems p = new Problems();
        EnvExpander.expandTree(root, "", env, p);
        Path baseDir = yaml.toAbsolutePath().getParent();
        Section top = Section.read(root, "", Keys.TOP, k -> Keys.DB.contains(k) ? "per-database setting at the top"
                + " level (put it under defaults: for every database, or under an entry of dbs:)" : null, baseDir, p);
        Section shared = Section.empty();
        JsonNode defaults = top.nested.get(Keys.DEFAULTS);
        if (defaults != null && !defaults.isNull()) {
            if (defaults.isObject()) {
                shared = Section.read(defaults, Keys.DEFAULTS, Keys.TUNABLES, k -> Keys.DB_ONLY.contains(k)
                        ? "not allowed in defaults (it identifies one database; set it on each entry of dbs:)"
                        : Keys.TOP.contains(k) ? "top-level key inside defaults: (move it to the top level)" : null,
                        baseDir, p);
            } else {
                p.add(Keys.DEFAULTS, "must be a map of per-database settings (e.g. sync-interval: 1s)");
            }
        }
        Set<String> redacted = new HashSet<>();
        List<DbConfig> dbs = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        JsonNode list = top.nested.get(Keys.DBS);
        if (list == null || list.isNull()) {
            p.add(Keys.DBS, "required (list the databases to replicate, each with path: and replicas:)");
        } else if (!list.isArray()) {
            p.add(Keys.DBS, "must be a list (start each database with \"- path: /data/app.db\")");
        } else if (list.isEmpty()) {
            p.add(Keys.DBS, "at least one database is required (add an entry with path: and replicas:)");
        }
        for (int i = 0; list != null && list.isArray() && i < list.size(); i++) {
            String prefix = "dbs[" + i + "]";
            JsonNode entry = list.get(i);
            if (!entry.isObject()) {
                p.add(prefix, "must be a map with path: and replicas: (e.g. - path: /data/app.db)");
                continue;
            }
            Section own = Section.read(entry, prefix, Keys.DB, k -> Keys.TOP.contains(k)
                    ? "top-level key inside a database entry (move it to the top level)"
                    : Keys.REPLICA.contains(k) ? "replica key outside replicas: (put it in an entry of replicas:)"
                    : null, baseDir, p);
            List<ReplicaSpec> replicas = Replicas.fromYaml(own.nested.get(Keys.REPLICAS), prefix + "."
                    + Keys.REPLICAS, baseDir, p, redacted);
            DbConfig db = new DbAssembler(p, k -> prefix + "." + k, false, own, shared, prefix + ".", redacted)
                    .build(replicas);
            if (db != null) {
                dbs.add(db);
                indexes.add(i);
            }
        }
        return finish(p, dbs, i -> "dbs[" + indexes.get(i) + "].", top, redacted);
    }

    /**
     * Builds a one-database config from CLI flags ({@code --db}, {@code --replica}) and option overrides keyed by
     * flag name with or without the leading dashes (e.g. {@code sync-interval -> 250ms}), through the same
     * validation as sidecar.yml. Relative paths resolve against the working directory here.
     */
    public static SidecarConfig fromFlags(Path db, List<String> replicaUrls, Map<String, String> overrides)
            throws ConfigException {
        Problems p = new Problems();
        Map<String, Setting> values = new LinkedHashMap<>();
        List<String> known = new ArrayList<>(Keys.DB);
        known.removeAll(List.of(Keys.PATH, Keys.REPLICAS));
        known.addAll(List.of(Keys.LOG_LEVEL, Keys.LOG_FORMAT, Keys.ADMIN_LISTEN, Keys.ADMIN_TOKEN, Keys.KEEP_LABELS));
        for (Map.Entry<String, String> e : (overrides == null ? Map.<String, String>of() : overrides).entrySet()) {
            String key = e.getKey() == null ? "" : e.getKey().replaceFirst("^--", "");
            String flag = "--" + key;
            String fileBase = key.endsWith(Keys.FILE_SUFFIX) ? key.substring(0, key.length() - Keys.FILE_SUFFIX.length()) : "";
            if (known.contains(fileBase) && !Keys.isStructure(fileBase) && e.getValue() != null) {
                // --X-file reads X from a file, as X-file: does in sidecar.yml (e.g. --admin-token-file)
                String content = SecretValues.read(e.getValue(), flag, null, p);
                if (content != null) values.put(fileBase, new Setting(content, flag, true));
            } else if (key.equals("db") || key.equals("replica")) {
                p.add(flag, "pass it as its own argument, not as an override");
            } else if (!known.contains(key)) {
                String s = Keys.suggest(key, known);
                p.add(flag, "unknown option" + (s != null ? " (did you mean --" + s + "?)" : " (see walship --help)"));
            } else if (e.getValue() == null) {
                p.add(flag, "has no value (give one, e.g. " + flag + "=1s)");
            } else {
                values.put(key, new Setting(e.getValue(), flag, Rules.isSensitiveKey(key)));
            }
        }
        if (db != null) {
            values.put(Keys.PATH, new Setting(db.toString(), "--db", false));
        }
        List<ReplicaSpec> replicas = new ArrayList<>();
        if (replicaUrls == null || replicaUrls.isEmpty()) {
            p.add("--replica", "required (pass --replica file:///path/to/backups at least once)");
            replicas = null;
        } else {
            for (int i = 0; i < replicaUrls.size(); i++) {
                String key = replicaUrls.size() == 1 ? "--replica" : "--replica[" + i + "]";
                ReplicaSpec spec = ReplicaUrls.parse(replicaUrls.get(i), key, false, p);
                if (spec == null) {
                    replicas = null;
                } else if (replicas != null) {
                    replicas.add(spec);
                }
            }
        }
        Set<String> redacted = new HashSet<>();
        Section own = new Section(values, Map.of());
        DbConfig config = new DbAssembler(p, k -> k.equals(Keys.PATH) ? "--db" : "--" + k, true, own,
                Section.empty(), "dbs[0].", redacted).build(replicas);
        List<DbConfig> dbs = config == null ? List.of() : List.of(config);
        return finish(p, dbs, i -> "--", own, redacted);
    }

    private static SidecarConfig finish(Problems p, List<DbConfig> dbs, IntFunction<String> prefix, Section top,
            Set<String> redacted) throws ConfigException {
        String level = topValue(top, Keys.LOG_LEVEL, Defaults.LOG_LEVEL, p, redacted);
        String format = topValue(top, Keys.LOG_FORMAT, Defaults.LOG_FORMAT, p, redacted);
        AdminConfig admin = admin(top, p, redacted);
        int keepLabels = keepLabels(top, p, redacted);
        if (p.isEmpty()) {
            Rules.acrossDbs(dbs, prefix, p);
        }
        p.throwIfAny();
        try {
            return new SidecarConfig(dbs, level, format, redacted, admin, keepLabels);
        } catch (IllegalArgumentException e) {
            // Unreachable while the loader's checks mirror the record's; kept so a drift is still reported.
            p.addAll(List.of(e.getMessage().split("\n")));
            throw new ConfigException(p.list());
        }
    }

    /** admin-listen and admin-token; a non-loopback address without a token is blamed on admin-listen. */
    private static AdminConfig admin(Section top, Problems p, Set<String> redacted) {
        Setting listen = top.values.get(Keys.ADMIN_LISTEN);
        Setting tokenSetting = top.values.get(Keys.ADMIN_TOKEN);
        Secret token = null;
        if (tokenSetting != null) {
            try {
                token = AdminConfig.token(tokenSetting.text());
                redacted.add(Keys.ADMIN_TOKEN);
            } catch (IllegalArgumentException e) {
                p.add(tokenSetting.keyPath(), tokenSetting.redact(e.getMessage()));
                return null;
            }
        }
        if (listen == null) {
            return AdminConfig.parse(Defaults.ADMIN_LISTEN, token);
        }
        try {
            AdminConfig admin = AdminConfig.parse(listen.text(), token);
            if (listen.secret()) {
                redacted.add(Keys.ADMIN_LISTEN);
            }
            return admin;
        } catch (IllegalArgumentException e) {
            p.add(listen.keyPath(), listen.redact(e.getMessage()));
            return null;
        }
    }

    private static int keepLabels(Section top, Problems p, Set<String> redacted) {
        Setting s = top.values.get(Keys.KEEP_LABELS);
        if (s == null) return Defaults.KEEP_LABELS;
        String v = s.text().strip();
        if (!v.matches("\\d{1,4}") || Integer.parseInt(v) < 1 || Integer.parseInt(v) > 1000) {
            p.add(s.keyPath(), s.redact("\"" + v + "\" is not a number of labels 1-1000 (default " + Defaults.KEEP_LABELS + ")"));
            return Defaults.KEEP_LABELS;
        }
        if (s.secret()) redacted.add(Keys.KEEP_LABELS);
        return Integer.parseInt(v);
    }

    private static String topValue(Section top, String key, String fallback, Problems p, Set<String> redacted) {
        Setting s = top.values.get(key);
        if (s == null) {
            return fallback;
        }
        String v = s.text().strip().toLowerCase(java.util.Locale.ROOT);
        String bad = key.equals(Keys.LOG_LEVEL) ? Rules.logLevel(v) : Rules.logFormat(v);
        if (bad != null) {
            p.add(s.keyPath(), s.redact(bad));
        } else if (s.secret()) {
            redacted.add(key);
        }
        return v;
    }

    private static String read(Path yaml) throws ConfigException {
        if (yaml == null) {
            throw new ConfigException("config: no file given (pass --config with the path to sidecar.yml)");
        }
        if (!Files.exists(yaml)) {
            throw new ConfigException("config " + yaml + ": no such file (pass --config with the path to sidecar.yml)");
        }
        if (Files.isDirectory(yaml)) {
            throw new ConfigException("config " + yaml + ": is a directory (pass --config with the path to"
                    + " sidecar.yml itself)");
        }
        try {
            return Files.readString(yaml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("config " + yaml + ": cannot read (" + e.getClass().getSimpleName()
                    + "; check the file is readable UTF-8 text)");
        }
    }

    private static JsonNode parse(Path yaml, String text) throws ConfigException {
        try {
            JsonNode node = YAML.readTree(text);
            return node == null ? NullNode.getInstance() : node;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String what = firstLine(e.getOriginalMessage());
            int line = at == null ? -1 : at.getLineNr();
            int column = at == null ? -1 : at.getColumnNr();
            if (e.getCause() instanceof MarkedYAMLException) {
                MarkedYAMLException m = (MarkedYAMLException) e.getCause();
                what = firstLine(m.getProblem());
                if (m.getProblemMark() != null) {
                    line = m.getProblemMark().getLine() + 1;
                    column = m.getProblemMark().getColumn() + 1;
                }
            }
            // Some limits (e.g. nesting depth) are reported without a location; "line -1" would only confuse.
            String where = line > 0 ? " at line " + line + ", column " + column : "";
            throw new ConfigException("config " + yaml + ": invalid YAML" + where + ": " + what + " (fix the syntax"
                    + (line > 0 ? " there" : "") + "; check indentation, and quote values containing \": \" or \"#\")");
        } catch (RuntimeException e) {
            // The YAML library throws a few unchecked exceptions (limits, bad characters); they are still bad input.
            throw new ConfigException("config " + yaml + ": invalid YAML: " + firstLine(e.getMessage())
                    + " (fix the syntax)");
        }
    }

    private static String firstLine(String s) {
        if (s == null || s.isBlank()) {
            return "syntax error";
        }
        return s.strip().lines().findFirst().orElse("syntax error");
    }
}
