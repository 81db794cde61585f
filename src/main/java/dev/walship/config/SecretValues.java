package dev.walship.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads values from files for keys written as {@code X-file: /run/secrets/x}, so that secrets (Docker and
 * Kubernetes secrets) never have to sit in sidecar.yml or the environment. One trailing newline is dropped because
 * {@code echo secret > file} adds it. Problems name the file, never its content.
 */
public final class SecretValues {
    /** Secrets are short; a bigger file is almost certainly the wrong file. */
    public static final int MAX_BYTES = 64 * 1024;

    private SecretValues() {
    }

    /**
     * Rewrites every {@code X-file: path} entry under {@code node} (at any depth) into {@code X: <file content>},
     * keeping key order. Relative paths resolve against {@code baseDir}. Returns the key paths of the rewritten
     * {@code X} keys (under {@code rootPath}); adds one line to {@code problems} per entry that failed.
     */
    public static Set<String> resolve(JsonNode node, String rootPath, Path baseDir, List<String> problems) {
        Problems p = new Problems();
        Set<String> resolved = new LinkedHashSet<>();
        walk(node, rootPath, baseDir, p, resolved);
        problems.addAll(p.list());
        return resolved;
    }

    private static void walk(JsonNode node, String path, Path baseDir, Problems p, Set<String> resolved) {
        if (node instanceof ArrayNode) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), path + "[" + i + "]", baseDir, p, resolved);
            }
            return;
        }
        if (!(node instanceof ObjectNode)) {
            return;
        }
        ObjectNode obj = (ObjectNode) node;
        Map<String, JsonNode> rebuilt = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : obj.properties()) {
            String key = e.getKey();
            String keyPath = path.isEmpty() ? key : path + "." + key;
            String base = key.substring(0, Math.max(0, key.length() - Keys.FILE_SUFFIX.length()));
            if (!key.endsWith(Keys.FILE_SUFFIX) || base.isEmpty()) {
                walk(e.getValue(), keyPath, baseDir, p, resolved);
                rebuilt.putIfAbsent(key, e.getValue());
                continue;
            }
            String basePath = path.isEmpty() ? base : path + "." + base;
            if (obj.has(base)) {
                p.add(keyPath, "both " + base + " and " + key + " are set (keep one)");
                continue;
            }
            JsonNode value = e.getValue();
            String content = value != null && value.isValueNode() && !value.isNull()
                    ? read(value.asText(), keyPath, baseDir, p)
                    : fail(p, keyPath, "must be the path of a file holding the value (e.g. /run/secrets/" + base + ")");
            if (content != null) {
                rebuilt.put(base, TextNode.valueOf(content));
                resolved.add(basePath);
            }
        }
        obj.removeAll();
        obj.setAll(rebuilt);
    }

    /** Reads one secret file; returns null after adding a problem if it cannot. */
    static String read(String file, String keyPath, Path baseDir, Problems p) {
        Path path;
        try {
            path = Path.of(file.strip());
        } catch (InvalidPathException e) {
            return fail(p, keyPath, "invalid file path (give the path of a file holding the value)");
        }
        if (file.isBlank()) {
            return fail(p, keyPath, "empty file path (give the path of a file holding the value)");
        }
        if (!path.isAbsolute() && baseDir != null) {
            path = baseDir.resolve(path);
        }
        String shown = "\"" + path + "\"";
        byte[] bytes;
        try {
            if (Files.isDirectory(path)) {
                return fail(p, keyPath, "cannot read " + shown + ": it is a directory (point it at a file)");
            }
            if (Files.size(path) > MAX_BYTES) {
                return fail(p, keyPath, "cannot read " + shown + ": larger than 64KiB (point it at a file holding"
                        + " only the value)");
            }
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return fail(p, keyPath, "cannot read " + shown + ": no such file (create it or fix the path; Docker"
                    + " secrets are mounted under /run/secrets)");
        } catch (IOException | SecurityException e) {
            return fail(p, keyPath, "cannot read " + shown + ": " + e.getClass().getSimpleName()
                    + " (check that the file exists and is readable by the sidecar's user)");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return fail(p, keyPath, "cannot read " + shown + ": not UTF-8 text (store the value as text)");
        }
        if (text.endsWith("\r\n")) {
            return text.substring(0, text.length() - 2);
        }
        return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }

    private static String fail(Problems p, String keyPath, String what) {
        p.add(keyPath, what);
        return null;
    }
}
