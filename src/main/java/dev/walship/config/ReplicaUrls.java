package dev.walship.config;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Parses the replica locations users write: {@code file:///abs/path}, a bare absolute path such as
 * {@code /backups/app}, {@code s3://bucket/prefix?endpoint=...&region=...&path-style=...&checksum=...&storage-class=...}
 * or {@code gs://bucket/prefix}. Every rejection is one line saying what is wrong and how to fix it; messages show
 * input only inside double quotes, and none of it when the caller says the value is secret.
 */
public final class ReplicaUrls {
    private static final String HOW = "use file:///path, an absolute path, s3://bucket/path or gs://bucket/path";
    private static final String HOW_FILE = "use file:///path, or an absolute path";

    private ReplicaUrls() {
    }

    /** Parses one replica URL; {@code keyPath} names it in the error, e.g. {@code dbs[1].replicas[0].url}. */
    public static ReplicaSpec parse(String url, String keyPath) throws ConfigException {
        Problems problems = new Problems();
        ReplicaSpec spec = parse(url, keyPath, false, problems);
        problems.throwIfAny();
        return spec;
    }

    /** Parses into {@code problems} instead of throwing, so that the loader can report everything at once. */
    static ReplicaSpec parse(String url, String keyPath, boolean secret, Problems problems) {
        String problem = null;
        ReplicaSpec spec = null;
        if (url == null || url.isBlank()) {
            problem = "empty replica URL (" + HOW + ")";
        } else if (url.indexOf('\0') >= 0) {
            problem = "contains a NUL character (remove it; paths cannot contain NUL)";
        } else {
            String s = url.strip();
            int colon = s.indexOf(':');
            boolean hasScheme = colon > 0 && s.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*");
            if (s.startsWith("/")) {
                spec = bare(s);
                problem = spec == null ? "invalid path (" + HOW_FILE + ")" : null;
            } else if (!hasScheme) {
                problem = "relative path " + show(s, secret) + " (use an absolute path starting with /, or file:///path)";
            } else {
                String scheme = s.substring(0, colon).toLowerCase(Locale.ROOT);
                String rest = s.substring(colon + 1);
                switch (scheme) {
                    case "file":
                        return fileUrl(rest, keyPath, secret, problems);
                    case "s3":
                        return StoreSpecs.fromUrl(ReplicaType.S3, rest, keyPath, secret, problems);
                    case "gs":
                    case "gcs":
                        return StoreSpecs.fromUrl(ReplicaType.GCS, rest, keyPath, secret, problems);
                    default:
                        problem = "unsupported scheme " + show(scheme, secret) + " (" + HOW + ")";
                }
            }
        }
        problems.check(keyPath, problem);
        return spec;
    }

    /** The map form {@code {type: file, path: /abs}}: same rules as a URL, worded for the two keys. */
    static ReplicaSpec typeAndPath(String type, String typeKey, String path, String pathKey, boolean secret,
            Problems problems) {
        String t = type == null ? "file" : type.strip().toLowerCase(Locale.ROOT);
        if (!t.equals("file")) {
            problems.add(typeKey, "unknown replica type " + show(type, false) + " (supported: file, s3, gcs)");
            return null;
        }
        if (path == null || path.isBlank()) {
            problems.add(pathKey, "empty path (give the absolute directory of the replica, e.g. /backups/app)");
            return null;
        }
        if (path.indexOf('\0') >= 0) {
            problems.add(pathKey, "contains a NUL character (remove it; paths cannot contain NUL)");
            return null;
        }
        String s = path.strip();
        if (!s.startsWith("/")) {
            problems.add(pathKey, "relative path " + show(s, secret) + " (use an absolute path starting with /)");
            return null;
        }
        ReplicaSpec spec = bare(s);
        if (spec == null) {
            problems.add(pathKey, "invalid path (use an absolute path starting with /)");
        }
        return spec;
    }

    private static ReplicaSpec fileUrl(String rest, String keyPath, boolean secret, Problems problems) {
        if (rest.contains("?")) {
            problems.add(keyPath, "file URLs cannot have a query string (remove everything from the \"?\")");
            return null;
        }
        if (rest.contains("#")) {
            problems.add(keyPath, "file URLs cannot have a fragment (remove everything from the \"#\")");
            return null;
        }
        String path;
        if (rest.startsWith("//")) {
            int slash = rest.indexOf('/', 2);
            String host = slash < 0 ? rest.substring(2) : rest.substring(2, slash);
            if (!host.isEmpty()) {
                // file://backups/app almost always means an absolute path with a slash missing.
                String fix = secret ? "file:///path" : "file:///" + rest.substring(2);
                problems.add(keyPath, "file URL has a host " + show(host, secret)
                        + " (file URLs cannot name a host; write " + show(fix, secret) + " with three slashes)");
                return null;
            }
            path = slash < 0 ? "" : rest.substring(slash);
        } else {
            path = rest;
        }
        if (!path.startsWith("/")) {
            problems.add(keyPath, "file URL has no absolute path (" + HOW_FILE + ")");
            return null;
        }
        String decoded = percentDecode(path);
        if (decoded == null) {
            problems.add(keyPath, "bad percent-escape in file URL (write %25 for a literal %)");
            return null;
        }
        if (decoded.indexOf('\0') >= 0) {
            problems.add(keyPath, "contains a NUL character (remove it; paths cannot contain NUL)");
            return null;
        }
        ReplicaSpec spec = bare(decoded);
        if (spec == null) {
            problems.add(keyPath, "invalid path (" + HOW_FILE + ")");
        }
        return spec;
    }

    private static ReplicaSpec bare(String absolute) {
        try {
            return ReplicaSpec.file(Path.of(absolute));
        } catch (IllegalArgumentException e) { // includes InvalidPathException
            return null;
        }
    }

    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '%') {
                out.write(bytes[i]);
                continue;
            }
            if (i + 2 >= bytes.length) {
                return null;
            }
            int hi = Character.digit(bytes[i + 1], 16);
            int lo = Character.digit(bytes[i + 2], 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            out.write(hi * 16 + lo);
            i += 2;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static String show(String value, boolean secret) {
        return secret ? "<redacted>" : "\"" + value + "\"";
    }
}
