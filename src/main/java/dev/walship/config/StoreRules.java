package dev.walship.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Validation and normalization rules for object-store replicas (S3, GCS). Like {@link Rules}, each check returns
 * null when the value is fine, else "what (how to fix)", and never echoes the value, so it is safe for secrets.
 */
final class StoreRules {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern S3_BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern GCS_PART = Pattern.compile("[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?");
    private static final Pattern REGION = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    /** Longest prefix we accept: S3 keys are at most 1024 bytes and walship's own names need about 80. */
    static final int MAX_PREFIX_BYTES = 900;
    /** Storage classes from which objects can be read directly (restores must not wait hours for a thaw). */
    static final List<String> STORAGE_CLASSES = List.of("STANDARD", "STANDARD_IA", "ONEZONE_IA",
            "INTELLIGENT_TIERING", "GLACIER_IR", "REDUCED_REDUNDANCY", "EXPRESS_ONEZONE");

    private StoreRules() {
    }

    static String s3Bucket(String b) {
        if (b == null || b.isEmpty()) {
            return "empty bucket name (name the bucket, e.g. s3://my-backups/app)";
        }
        if (b.length() < 3 || b.length() > 63) {
            return "invalid S3 bucket name: must be 3 to 63 characters long (fix the bucket name)";
        }
        if (!S3_BUCKET.matcher(b).matches()) {
            return "invalid S3 bucket name (use lower-case letters, digits, '.' and '-', starting and ending with a"
                    + " letter or digit)";
        }
        if (b.contains("..") || b.contains(".-") || b.contains("-.")) {
            return "invalid S3 bucket name: '.' must not be next to another '.' or a '-' (fix the bucket name)";
        }
        if (IPV4.matcher(b).matches()) {
            return "invalid S3 bucket name: must not look like an IP address (fix the bucket name)";
        }
        if (b.startsWith("xn--") || b.startsWith("sthree-") || b.endsWith("-s3alias") || b.endsWith("--ol-s3")) {
            return "invalid S3 bucket name: the prefixes xn-- and sthree- and the suffixes -s3alias and --ol-s3 are"
                    + " reserved by S3 (fix the bucket name)";
        }
        return null;
    }

    static String gcsBucket(String b) {
        if (b == null || b.isEmpty()) {
            return "empty bucket name (name the bucket, e.g. gs://my-backups/app)";
        }
        boolean dotted = b.indexOf('.') >= 0;
        if (b.length() < 3 || b.length() > (dotted ? 222 : 63)) {
            return "invalid GCS bucket name (must be 3 to 63 characters long, up to 222 with dots)";
        }
        for (String part : b.split("\\.", -1)) {
            if (!GCS_PART.matcher(part).matches()) {
                return "invalid GCS bucket name (use lower-case letters, digits, '-', '_' and '.', each dot-separated"
                        + " part 1 to 63 characters starting and ending with a letter or digit)";
            }
        }
        if (IPV4.matcher(b).matches()) {
            return "invalid GCS bucket name: must not look like an IP address (fix the bucket name)";
        }
        if (b.startsWith("goog") || b.contains("google")) {
            return "invalid GCS bucket name: must not start with \"goog\" or contain \"google\" (fix the bucket name)";
        }
        return null;
    }

    /** Checks a prefix already normalized by {@link #normalizePrefix}. */
    static String prefix(String p) {
        if (p == null) {
            return "required (use an empty path for the bucket root)";
        }
        if (p.isEmpty()) {
            return null;
        }
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return "the bucket path contains a control character (remove it)";
            }
            if (c == '\\') {
                return "the bucket path contains a backslash (separate path parts with /)";
            }
        }
        for (String part : p.split("/", -1)) {
            if (part.isEmpty()) {
                return "the bucket path has an empty part \"//\" (use single slashes between parts)";
            }
            if (part.equals(".") || part.equals("..")) {
                return "the bucket path contains a \".\" or \"..\" part (write the path without them)";
            }
        }
        if (p.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_PREFIX_BYTES) {
            return "the bucket path is longer than " + MAX_PREFIX_BYTES + " bytes (object names are limited to 1024"
                    + " bytes; use a shorter path)";
        }
        return null;
    }

    /** Drops leading and trailing slashes: {@code /app/} and {@code app} name the same prefix. */
    static String normalizePrefix(String p) {
        if (p == null) {
            return "";
        }
        int from = 0;
        int to = p.length();
        while (from < to && p.charAt(from) == '/') {
            from++;
        }
        while (to > from && p.charAt(to - 1) == '/') {
            to--;
        }
        return p.substring(from, to);
    }

    /** Parses an endpoint such as {@code http://127.0.0.1:9000}; throws IllegalArgumentException with a rule message. */
    static URI endpoint(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("empty endpoint (give e.g. https://s3.example.com or"
                    + " http://127.0.0.1:9000, or remove it to use AWS)");
        }
        String lower = t.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
            throw new IllegalArgumentException("endpoint must start with http:// or https:// (e.g."
                    + " https://s3.example.com)");
        }
        URI u;
        try {
            u = new URI(t);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("endpoint is not a valid URL (give e.g. https://s3.example.com or"
                    + " http://127.0.0.1:9000)");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("endpoint must start with http:// or https:// (e.g."
                    + " https://s3.example.com)");
        }
        if (u.getRawUserInfo() != null) {
            throw new IllegalArgumentException("endpoint must not contain user:password@ (give credentials with"
                    + " access-key-id-file: and secret-access-key-file:, or the AWS environment)");
        }
        if (u.getHost() == null || u.getHost().isEmpty()) {
            throw new IllegalArgumentException("endpoint has no host name (give e.g. https://s3.example.com or"
                    + " http://127.0.0.1:9000)");
        }
        if (u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new IllegalArgumentException("endpoint must not have a query or fragment (give only"
                    + " scheme://host[:port])");
        }
        String path = u.getRawPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            throw new IllegalArgumentException("endpoint must not have a path (give only scheme://host[:port]; the"
                    + " bucket goes into bucket: or the replica URL)");
        }
        if (u.getPort() == 0 || u.getPort() > 65535) {
            throw new IllegalArgumentException("endpoint port must be 1 to 65535 (fix the port)");
        }
        return URI.create(scheme + "://" + u.getRawAuthority());
    }

    static String region(String r) {
        if (r == null || r.isEmpty()) {
            return "empty region (give e.g. us-east-1, or remove it)";
        }
        return REGION.matcher(r).matches() ? null
                : "invalid region (use lower-case letters, digits and '-', e.g. us-east-1, or auto for R2)";
    }

    /** Upper-cases and checks a storage class; throws IllegalArgumentException with a rule message. */
    static String storageClass(String text) {
        String s = text == null ? "" : text.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        if (s.equals("GLACIER") || s.equals("DEEP_ARCHIVE")) {
            throw new IllegalArgumentException("storage class " + s + " cannot be read without a thaw that takes"
                    + " hours, so restores would fail (use STANDARD_IA, GLACIER_IR or INTELLIGENT_TIERING, or a"
                    + " bucket lifecycle rule for old snapshots)");
        }
        if (!STORAGE_CLASSES.contains(s)) {
            throw new IllegalArgumentException("unknown storage class (use one of " + String.join(", ",
                    STORAGE_CLASSES) + ")");
        }
        return s;
    }

    static ReplicaSpec.ChecksumMode checksumMode(String text) {
        String s = text == null ? "" : text.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        for (ReplicaSpec.ChecksumMode m : ReplicaSpec.ChecksumMode.values()) {
            if (m.name().equals(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown checksum mode (use when-supported, the default, or"
                + " when-required for stores that reject the SDK's default checksums, e.g. R2, B2, older MinIO)");
    }

    static String credential(String value, String what) {
        if (value == null || value.isEmpty()) {
            return "empty " + what + " (check the file holds the " + what + ")";
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= 0x20 || c == 0x7f) {
                return what + " contains whitespace or a control character (the file must hold only the "
                        + what + ")";
            }
        }
        return null;
    }
}
