package dev.walship.config;

import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds S3 and GCS replica specs from a URL ({@code s3://bucket/prefix?endpoint=...}) or from the map form in
 * sidecar.yml ({@code {type: s3, bucket: ..., path: ...}}), with one problem per bad key. Messages quote input only
 * inside double quotes, and show none of it for values that came from secret files.
 */
final class StoreSpecs {
    /** Query parameters of s3:// URLs, mapped to the sidecar.yml key they stand for. */
    private static final Map<String, String> S3_QUERY = Map.of(
            "endpoint", Keys.ENDPOINT, "region", Keys.REGION, "path-style", Keys.PATH_STYLE,
            "checksum", Keys.CHECKSUM_MODE, "checksum-mode", Keys.CHECKSUM_MODE, "storage-class", Keys.STORAGE_CLASS);
    private static final List<String> S3_QUERY_NAMES = List.of("endpoint", "region", "path-style", "checksum",
            "storage-class");
    private static final Map<String, String> GCS_QUERY = Map.of(
            "endpoint", Keys.ENDPOINT, "credentials-file", Keys.CREDENTIALS_FILE);
    private static final List<String> GCS_QUERY_NAMES = List.of("endpoint", "credentials-file");
    /** Keys of the map form per type (besides url: and type:). */
    static final List<String> S3_KEYS = List.of(Keys.BUCKET, Keys.PATH, Keys.ENDPOINT, Keys.REGION, Keys.PATH_STYLE,
            Keys.CHECKSUM_MODE, Keys.STORAGE_CLASS, Keys.ACCESS_KEY_ID, Keys.SECRET_ACCESS_KEY);
    static final List<String> GCS_KEYS = List.of(Keys.BUCKET, Keys.PATH, Keys.ENDPOINT, Keys.CREDENTIALS_FILE);
    /** Keys that say where a replica is; with url: they would contradict the URL. */
    static final List<String> LOCATION_KEYS = List.of(Keys.TYPE, Keys.PATH, Keys.BUCKET, Keys.ENDPOINT, Keys.REGION,
            Keys.PATH_STYLE, Keys.CHECKSUM_MODE, Keys.STORAGE_CLASS);

    private StoreSpecs() {
    }

    /** One option with the key path to blame and whether it must never be shown. */
    private record Opt(String text, String keyPath, boolean secret, boolean fromFile) {
        static Opt of(Setting s) {
            return new Opt(s.text(), s.keyPath(), s.secret(), s.keyPath().endsWith(Keys.FILE_SUFFIX));
        }

        String redact(String message) {
            return secret ? Setting.redactQuoted(message) : message;
        }
    }

    /** Parses the part of an {@code s3:} or {@code gs:} URL after the colon. */
    static ReplicaSpec fromUrl(ReplicaType type, String rest, String keyPath, boolean secret, Problems p) {
        String scheme = type.scheme();
        String example = scheme + "://bucket/path";
        if (!rest.startsWith("//")) {
            p.add(keyPath, scheme + " URL has no bucket (write " + example + ")");
            return null;
        }
        String s = rest.substring(2);
        if (s.indexOf('#') >= 0) {
            p.add(keyPath, scheme + " URLs cannot have a fragment (remove everything from the \"#\")");
            return null;
        }
        String query = null;
        int q = s.indexOf('?');
        if (q >= 0) {
            query = s.substring(q + 1);
            s = s.substring(0, q);
        }
        int slash = s.indexOf('/');
        String bucket = slash < 0 ? s : s.substring(0, slash);
        String path = slash < 0 ? "" : s.substring(slash + 1);
        if (bucket.indexOf('@') >= 0) {
            p.add(keyPath, scheme + " URLs cannot carry credentials (remove the part up to \"@\"; "
                    + credentialHint(type) + ")");
            return null;
        }
        if (bucket.isEmpty()) {
            p.add(keyPath, scheme + " URL has no bucket (write " + example + ")");
            return null;
        }
        String prefix = ReplicaUrls.percentDecode(path);
        if (prefix == null) {
            p.add(keyPath, "bad percent-escape in " + scheme + " URL (write %25 for a literal %)");
            return null;
        }
        Map<String, String> names = type == ReplicaType.S3 ? S3_QUERY : GCS_QUERY;
        List<String> shownNames = type == ReplicaType.S3 ? S3_QUERY_NAMES : GCS_QUERY_NAMES;
        Map<String, Opt> opts = new LinkedHashMap<>();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&", -1)) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = ReplicaUrls.percentDecode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? null : ReplicaUrls.percentDecode(pair.substring(eq + 1));
                if (name == null || (eq >= 0 && value == null)) {
                    p.add(keyPath, "bad percent-escape in " + scheme + " URL query (write %25 for a literal %)");
                    return null;
                }
                String lower = name.toLowerCase(Locale.ROOT).replace('_', '-');
                String key = names.get(lower);
                if (key == null) {
                    if (!lower.equals("credentials-file") && Rules.isSensitiveKey(lower) || lower.contains("credential")) {
                        p.add(keyPath, scheme + " URLs cannot carry credentials (remove the query parameter "
                                + ReplicaUrls.show(name, secret) + "; " + credentialHint(type) + ")");
                    } else {
                        String suggestion = Keys.suggest(lower, shownNames);
                        p.add(keyPath, "unknown query parameter " + ReplicaUrls.show(name, secret)
                                + (suggestion != null ? " (did you mean " + suggestion + "?)"
                                        : " (known: " + String.join(", ", shownNames) + ")"));
                    }
                    return null;
                }
                if (value == null) {
                    p.add(keyPath, "query parameter " + ReplicaUrls.show(name, secret) + " has no value (write "
                            + lower + "=value)");
                    return null;
                }
                if (opts.containsKey(key)) {
                    p.add(keyPath, "query parameter " + ReplicaUrls.show(name, secret)
                            + " is given twice (keep one)");
                    return null;
                }
                opts.put(key, new Opt(value, keyPath, secret, false));
            }
        }
        return build(type, new Opt(bucket, keyPath, secret, false), new Opt(prefix, keyPath, secret, false), opts,
                null, p);
    }

    /**
     * The map form: {@code type:} is already known to be s3 or gcs. Keys of another type are reported; the
     * {@code url:} key is handled by the caller.
     */
    static ReplicaSpec fromMap(ReplicaType type, Map<String, Setting> values, String key, Path baseDir, Problems p) {
        List<String> allowed = type == ReplicaType.S3 ? S3_KEYS : GCS_KEYS;
        boolean ok = true;
        Map<String, Opt> opts = new LinkedHashMap<>();
        for (Map.Entry<String, Setting> e : values.entrySet()) {
            String k = e.getKey();
            if (k.equals(Keys.TYPE) || k.equals(Keys.URL)) {
                continue;
            }
            if (!allowed.contains(k)) {
                p.add(e.getValue().keyPath(), "not used by " + type.typeName() + " replicas (remove it; "
                        + type.typeName() + " replicas take " + String.join(", ", allowed) + ")");
                ok = false;
                continue;
            }
            opts.put(k, Opt.of(e.getValue()));
        }
        Setting bucket = values.get(Keys.BUCKET);
        if (bucket == null) {
            p.add(key + "." + Keys.BUCKET, "required for " + type.typeName() + " replicas (the bucket name, e.g."
                    + " my-backups)");
            return null;
        }
        Opt path = opts.remove(Keys.PATH);
        opts.remove(Keys.BUCKET);
        ReplicaSpec spec = build(type, Opt.of(bucket), path == null ? new Opt("", key, false, false) : path, opts,
                baseDir, p);
        return ok ? spec : null;
    }

    /**
     * Adds credentials given next to {@code url:} (access-key-id-file: and secret-access-key-file: for s3,
     * credentials-file: for gcs) to a spec parsed from the URL.
     */
    static ReplicaSpec withCredentials(ReplicaSpec spec, Map<String, Setting> creds, Path baseDir, Problems p) {
        if (creds.isEmpty()) {
            return spec;
        }
        List<String> allowed = switch (spec.type()) {
            case FILE -> List.of();
            case S3 -> List.of(Keys.ACCESS_KEY_ID, Keys.SECRET_ACCESS_KEY);
            case GCS -> List.of(Keys.CREDENTIALS_FILE);
        };
        boolean ok = true;
        Map<String, Opt> opts = new LinkedHashMap<>();
        for (Map.Entry<String, Setting> e : creds.entrySet()) {
            if (!allowed.contains(e.getKey())) {
                p.add(e.getValue().keyPath(), "not used by " + spec.type().typeName() + " replicas (remove it)");
                ok = false;
            } else {
                opts.put(e.getKey(), Opt.of(e.getValue()));
            }
        }
        if (!ok) {
            return null;
        }
        if (spec.type() == ReplicaType.GCS) {
            Opt file = opts.get(Keys.CREDENTIALS_FILE);
            if (spec.gcs().credentialsFile() != null) {
                p.add(file.keyPath(), "credentials-file is also in the URL (keep one)");
                return null;
            }
            Path path = credentialsFile(file, baseDir, p);
            return path == null ? null : construct(() -> ReplicaSpec.gcs(new ReplicaSpec.Gcs(spec.gcs().bucket(),
                    spec.gcs().prefix(), path, spec.gcs().endpoint())), file, p);
        }
        String[] keys = credentials(opts, p);
        if (keys == null) {
            return null;
        }
        return construct(() -> ReplicaSpec.s3(spec.s3().withCredentials(keys[0], keys[1])),
                opts.get(Keys.SECRET_ACCESS_KEY), p);
    }

    private static ReplicaSpec build(ReplicaType type, Opt bucketOpt, Opt prefixOpt, Map<String, Opt> opts,
            Path baseDir, Problems p) {
        String bucket = bucketOpt.text().strip();
        String bad = type == ReplicaType.S3 ? StoreRules.s3Bucket(bucket) : StoreRules.gcsBucket(bucket);
        if (bad != null) {
            p.add(bucketOpt.keyPath(), bad);
            return null;
        }
        String prefix = StoreRules.normalizePrefix(prefixOpt.text().strip());
        if (prefix.indexOf('\0') >= 0) {
            p.add(prefixOpt.keyPath(), "contains a NUL character (remove it; object names cannot contain NUL)");
            return null;
        }
        bad = StoreRules.prefix(prefix);
        if (bad != null) {
            p.add(prefixOpt.keyPath(), prefixOpt.redact(bad));
            return null;
        }
        boolean ok = true;
        URI endpoint = null;
        Opt o = opts.get(Keys.ENDPOINT);
        if (o != null) {
            try {
                endpoint = StoreRules.endpoint(o.text());
            } catch (IllegalArgumentException e) {
                p.add(o.keyPath(), o.redact(e.getMessage()));
                ok = false;
            }
        }
        if (type == ReplicaType.GCS) {
            Path creds = null;
            o = opts.get(Keys.CREDENTIALS_FILE);
            if (o != null) {
                creds = credentialsFile(o, baseDir, p);
                ok &= creds != null;
            }
            if (!ok) {
                return null;
            }
            Path c = creds;
            URI ep = endpoint;
            return construct(() -> ReplicaSpec.gcs(new ReplicaSpec.Gcs(bucket, prefix, c, ep)), bucketOpt, p);
        }
        String region = null;
        o = opts.get(Keys.REGION);
        if (o != null) {
            region = o.text().strip();
            bad = StoreRules.region(region);
            if (bad != null) {
                p.add(o.keyPath(), o.redact(bad));
                ok = false;
            }
        }
        boolean pathStyle = ReplicaSpec.S3.defaultPathStyle(endpoint);
        o = opts.get(Keys.PATH_STYLE);
        if (o != null) {
            try {
                pathStyle = DbAssembler.bool(o.text());
            } catch (IllegalArgumentException e) {
                p.add(o.keyPath(), o.redact(e.getMessage()));
                ok = false;
            }
        }
        ReplicaSpec.ChecksumMode checksum = ReplicaSpec.ChecksumMode.WHEN_SUPPORTED;
        o = opts.get(Keys.CHECKSUM_MODE);
        if (o != null) {
            try {
                checksum = StoreRules.checksumMode(o.text());
            } catch (IllegalArgumentException e) {
                p.add(o.keyPath(), o.redact(e.getMessage()));
                ok = false;
            }
        }
        String storageClass = null;
        o = opts.get(Keys.STORAGE_CLASS);
        if (o != null) {
            try {
                storageClass = StoreRules.storageClass(o.text());
            } catch (IllegalArgumentException e) {
                p.add(o.keyPath(), o.redact(e.getMessage()));
                ok = false;
            }
        }
        String[] keys = new String[2];
        if (opts.containsKey(Keys.ACCESS_KEY_ID) || opts.containsKey(Keys.SECRET_ACCESS_KEY)) {
            keys = credentials(opts, p);
            ok &= keys != null;
        }
        if (!ok) {
            return null;
        }
        ReplicaSpec.S3 s3;
        try {
            s3 = new ReplicaSpec.S3(bucket, prefix, endpoint, region, pathStyle, checksum, storageClass, keys[0],
                    keys[1]);
        } catch (IllegalArgumentException e) {
            // Unreachable while the checks above mirror the record's; kept so a drift is still reported.
            p.add(bucketOpt.keyPath(), "invalid s3 replica (" + firstLine(e.getMessage()) + ")");
            return null;
        }
        return ReplicaSpec.s3(s3);
    }

    /** Both secrets, from files only; null after reporting a problem. */
    private static String[] credentials(Map<String, Opt> opts, Problems p) {
        Opt id = opts.get(Keys.ACCESS_KEY_ID);
        Opt secret = opts.get(Keys.SECRET_ACCESS_KEY);
        boolean ok = true;
        for (Opt o : new Opt[] {id, secret}) {
            if (o != null && !o.fromFile()) {
                String k = o.keyPath();
                p.add(k, "credentials are only read from files (write " + k.substring(k.lastIndexOf('.') + 1)
                        + "-file: /run/secrets/... instead, or leave both out to use the AWS environment, profile"
                        + " or instance role)");
                ok = false;
            }
        }
        if (!ok) {
            return null;
        }
        if (id == null || secret == null) {
            Opt given = id != null ? id : secret;
            String base = given.keyPath().substring(0, given.keyPath().lastIndexOf('.') + 1);
            p.add(base + (id == null ? Keys.ACCESS_KEY_ID : Keys.SECRET_ACCESS_KEY) + Keys.FILE_SUFFIX,
                    "required with " + given.keyPath().substring(base.length()) + " (give both, or neither to use"
                            + " the AWS default credentials)");
            return null;
        }
        String bad = StoreRules.credential(id.text(), "access key id");
        if (bad != null) {
            p.add(id.keyPath(), bad);
            return null;
        }
        bad = StoreRules.credential(secret.text(), "secret access key");
        if (bad != null) {
            p.add(secret.keyPath(), bad);
            return null;
        }
        return new String[] {id.text(), secret.text()};
    }

    private static Path credentialsFile(Opt o, Path baseDir, Problems p) {
        String t = o.text().strip();
        if (t.isEmpty() || t.indexOf('\0') >= 0) {
            p.add(o.keyPath(), "empty or invalid path (give the service-account JSON key file, e.g."
                    + " /run/secrets/gcs.json, or remove it to use Application Default Credentials)");
            return null;
        }
        Path path;
        try {
            path = Path.of(t);
        } catch (InvalidPathException e) {
            p.add(o.keyPath(), o.redact("invalid path \"" + t + "\" (give the service-account JSON key file)"));
            return null;
        }
        if (!path.isAbsolute()) {
            if (baseDir == null) {
                p.add(o.keyPath(), o.redact("relative path \"" + t + "\" (use an absolute path starting with /)"));
                return null;
            }
            path = baseDir.resolve(path);
        }
        return path.normalize();
    }

    private static ReplicaSpec construct(java.util.function.Supplier<ReplicaSpec> make, Opt blame, Problems p) {
        try {
            return make.get();
        } catch (IllegalArgumentException e) {
            p.add(blame.keyPath(), blame.redact(firstLine(e.getMessage())));
            return null;
        }
    }

    private static String credentialHint(ReplicaType type) {
        return type == ReplicaType.S3
                ? "put them in files named by access-key-id-file: and secret-access-key-file:, or use the AWS"
                        + " environment, profile or instance role"
                : "name a service-account key with credentials-file:, or use Application Default Credentials";
    }

    private static String firstLine(String s) {
        return s == null ? "invalid" : s.lines().findFirst().orElse("invalid");
    }
}
