package dev.walship.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.config.ReplicaSpec.ChecksumMode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** S3 and GCS replicas: URLs, the map form in sidecar.yml, secrets, overlaps and describe(). */
class ObjectStoreReplicasTest {
    @TempDir
    Path dir;

    private SidecarConfig load(String yaml) throws Exception {
        Path f = dir.resolve("sidecar.yml");
        Files.writeString(f, yaml);
        return ConfigLoader.load(f, Map.of());
    }

    private List<String> problems(String yaml) {
        return assertThrows(ConfigException.class, () -> load(yaml)).problems();
    }

    private static String db(String replicas) {
        return "dbs:\n  - path: /data/app.db\n    replicas:\n" + replicas;
    }

    @Test
    void s3UrlWithEveryParameter() throws ConfigException {
        ReplicaSpec spec = ReplicaUrls.parse("s3://my-bucket/backups/app/?endpoint=http://127.0.0.1:9000"
                + "&region=eu-west-1&path-style=false&checksum=when-required&storage-class=standard_ia", "k");
        assertEquals(ReplicaType.S3, spec.type());
        assertNull(spec.path());
        ReplicaSpec.S3 s3 = spec.s3();
        assertEquals("my-bucket", s3.bucket());
        assertEquals("backups/app", s3.prefix());
        assertEquals(URI.create("http://127.0.0.1:9000"), s3.endpoint());
        assertEquals("eu-west-1", s3.region());
        assertFalse(s3.pathStyle());
        assertEquals(ChecksumMode.WHEN_REQUIRED, s3.checksumMode());
        assertEquals("STANDARD_IA", s3.storageClass());
        assertFalse(s3.hasCredentials());
        assertEquals(spec, ReplicaUrls.parse(spec.safeUrl(), "k"));
    }

    @Test
    void s3Defaults() throws ConfigException {
        ReplicaSpec aws = ReplicaUrls.parse("s3://bucket", "k");
        assertEquals(ReplicaSpec.s3(ReplicaSpec.S3.of("bucket", "")), aws);
        assertEquals("s3://bucket", aws.safeUrl());
        assertFalse(aws.s3().pathStyle());
        assertEquals(ChecksumMode.WHEN_SUPPORTED, aws.s3().checksumMode());
        // a custom endpoint defaults to path-style addressing
        ReplicaSpec local = ReplicaUrls.parse("s3://bucket/a?endpoint=https://s3.example.com/", "k");
        assertTrue(local.s3().pathStyle());
        assertEquals(URI.create("https://s3.example.com"), local.s3().endpoint());
        assertEquals("s3://bucket/a?endpoint=https://s3.example.com", local.safeUrl());
    }

    @Test
    void gcsUrls() throws ConfigException {
        ReplicaSpec spec = ReplicaUrls.parse("gs://my_bucket.example/x/y", "k");
        assertEquals(ReplicaType.GCS, spec.type());
        assertEquals(ReplicaSpec.gcs(ReplicaSpec.Gcs.of("my_bucket.example", "x/y")), spec);
        assertEquals("gs://my_bucket.example/x/y", spec.safeUrl());
        ReplicaSpec full = ReplicaUrls.parse("gcs://b-1/p?endpoint=http://127.0.0.1:4443&credentials-file=/run/k.json",
                "k");
        assertEquals(new ReplicaSpec.Gcs("b-1", "p", Path.of("/run/k.json"), URI.create("http://127.0.0.1:4443")),
                full.gcs());
        assertEquals(full, ReplicaUrls.parse(full.safeUrl(), "k"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "s3://My-Bucket/app|k: invalid S3 bucket name (use lower-case letters",
        "s3://ab/app|k: invalid S3 bucket name: must be 3 to 63 characters long",
        "s3://a..b/app|k: invalid S3 bucket name: '.' must not be next to another '.'",
        "s3://192.168.1.1/x|k: invalid S3 bucket name: must not look like an IP address",
        "s3://xn--abc/x|k: invalid S3 bucket name: the prefixes xn-- and sthree-",
        "s3:///app|k: s3 URL has no bucket (write s3://bucket/path)",
        "s3:bucket/app|k: s3 URL has no bucket",
        "s3://AKIA:secret@bucket/app|k: s3 URLs cannot carry credentials",
        "s3://bucket/app?secret-access-key=x|k: s3 URLs cannot carry credentials",
        "s3://bucket/app?regoin=x|k: unknown query parameter \"regoin\" (did you mean region?)",
        "s3://bucket/app?foo=x|k: unknown query parameter \"foo\" (known: endpoint, region, path-style,",
        "s3://bucket/app?region|k: query parameter \"region\" has no value (write region=value)",
        "s3://bucket/app?region=a&region=b|k: query parameter \"region\" is given twice (keep one)",
        "s3://bucket/app?endpoint=ftp://h|k: endpoint must start with http:// or https://",
        "s3://bucket/app?endpoint=127.0.0.1:9000|k: endpoint must start with http:// or https://",
        "s3://bucket/app?endpoint=http://u:p@h|k: endpoint must not contain user:password@",
        "s3://bucket/app?endpoint=http://h/x|k: endpoint must not have a path",
        "s3://bucket/app?endpoint=http://|k: endpoint",
        "s3://bucket/app?region=US_EAST|k: invalid region",
        "s3://bucket/app?path-style=yes|k: not a boolean \"yes\" (use true or false)",
        "s3://bucket/app?checksum=always|k: unknown checksum mode",
        "s3://bucket/app?storage-class=GLACIER|k: storage class GLACIER cannot be read without a thaw",
        "s3://bucket/app?storage-class=cold|k: unknown storage class (use one of STANDARD,",
        "s3://bucket/a//b|k: the bucket path has an empty part",
        "s3://bucket/a/../b|k: the bucket path contains a \".\" or \"..\" part",
        "s3://bucket/a%zz|k: bad percent-escape in s3 URL",
        "s3://bucket/a#x|k: s3 URLs cannot have a fragment",
        "gs://goog-bucket/x|k: invalid GCS bucket name: must not start with \"goog\"",
        "gs://Bucket/x|k: invalid GCS bucket name (use lower-case letters",
        "gs://bucket/x?region=us|k: unknown query parameter \"region\" (known: endpoint, credentials-file)",
        "gs://bucket/x?credentials-file=rel.json|k: relative path \"rel.json\" (use an absolute path"})
    void rejectsBadObjectStoreUrlsWithOneClearLine(String url, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> ReplicaUrls.parse(url, "k"));
        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
        assertTrue(e.getMessage().endsWith(")"), "ends with how to fix: " + e.getMessage());
    }

    @Test
    void credentialsInUrlsAreNeverEchoed() {
        for (String url : List.of("s3://AKIAXYZ:hunter2@bucket/app", "s3://bucket/app?secret=hunter2",
                "s3://bucket/app?token=hunter2")) {
            ConfigException e = assertThrows(ConfigException.class, () -> ReplicaUrls.parse(url, "k"));
            assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        }
    }

    @Test
    void mapFormWithSecretFiles() throws Exception {
        Files.writeString(dir.resolve("id"), "AKIAEXAMPLE\n");
        Files.writeString(dir.resolve("secret"), "s3cr3t/Value+xyz\n");
        SidecarConfig c = load(db(String.join("\n",
                "      - type: s3",
                "        bucket: my-backups",
                "        path: /prod/app/",
                "        endpoint: http://127.0.0.1:9000",
                "        region: us-east-1",
                "        path-style: true",
                "        checksum-mode: when-required",
                "        storage-class: STANDARD",
                "        access-key-id-file: id",
                "        secret-access-key-file: " + dir.resolve("secret"),
                "      - type: gcs",
                "        bucket: gcs-backups",
                "        path: app",
                "        credentials-file: gcs.json",
                "      - url: s3://other-bucket/app",
                "        access-key-id-file: id",
                "        secret-access-key-file: secret",
                "")));
        List<ReplicaSpec> r = c.dbs().get(0).replicas();
        ReplicaSpec.S3 s3 = r.get(0).s3();
        assertEquals(new ReplicaSpec.S3("my-backups", "prod/app", URI.create("http://127.0.0.1:9000"), "us-east-1",
                true, ChecksumMode.WHEN_REQUIRED, "STANDARD", "AKIAEXAMPLE", "s3cr3t/Value+xyz"), s3);
        assertEquals(ReplicaSpec.gcs(new ReplicaSpec.Gcs("gcs-backups", "app", dir.resolve("gcs.json"), null)),
                r.get(1));
        assertEquals("AKIAEXAMPLE", r.get(2).s3().accessKeyId());
        String described = c.describe();
        assertFalse(described.contains("s3cr3t"), described);
        assertFalse(described.contains("AKIAEXAMPLE"), described);
        assertTrue(described.contains("access-key-id: <redacted>"), described);
        assertTrue(described.contains("- url: s3://my-backups/prod/app?endpoint=http://127.0.0.1:9000&region=us-east-1"
                + "&checksum=when-required&storage-class=STANDARD"), described);
        assertTrue(described.contains("- gs://gcs-backups/app?credentials-file="), described);
        // nor does any toString
        assertFalse(c.toString().contains("s3cr3t"), c.toString());
        assertFalse(r.get(0).toString().contains("AKIAEXAMPLE"), r.get(0).toString());
    }

    @Test
    void mapFormProblemsNameTheirKeys() throws Exception {
        List<String> p = problems(db(String.join("\n",
                "      - type: s3",
                "        bucket: my-backups",
                "        secret-access-key: inline-secret-value",
                "      - type: s3",
                "        path: app",
                "      - type: gcs",
                "        bucket: b-ok",
                "        region: us-east-1",
                "      - type: file",
                "        path: /x",
                "        bucket: nope",
                "      - bucket: typeless",
                "      - type: azure",
                "        path: /x",
                "      - type: s3",
                "        bucket: Bad_Bucket",
                "      - type: s3",
                "        bucket: good-bucket",
                "        endpoint: localhost:9000",
                "        storage-class: DEEP_ARCHIVE",
                "      - url: s3://bucket-a/x",
                "        region: us-east-1",
                "      - url: gs://bucket-b/x",
                "        access-key-id-file: /nonexistent-id-file",
                "")));
        assertTrue(p.contains("dbs[0].replicas[0].secret-access-key: credentials are only read from files (write"
                + " secret-access-key-file: /run/secrets/... instead, or leave both out to use the AWS environment,"
                + " profile or instance role)"), p.toString());
        assertTrue(p.contains("dbs[0].replicas[1].bucket: required for s3 replicas (the bucket name, e.g."
                + " my-backups)"), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("dbs[0].replicas[2].region: not used by gcs replicas")),
                p.toString());
        assertTrue(p.contains("dbs[0].replicas[3].bucket: not used by file replicas (remove it; file replicas take"
                + " only path:)"), p.toString());
        assertTrue(p.contains("dbs[0].replicas[4].type: required with bucket: (type: s3 or type: gcs)"), p.toString());
        assertTrue(p.contains("dbs[0].replicas[5].type: unknown replica type \"azure\" (supported: file, s3, gcs)"),
                p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("dbs[0].replicas[6].bucket: invalid S3 bucket name")),
                p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("dbs[0].replicas[7].endpoint: endpoint must start with"
                + " http:// or https://")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("dbs[0].replicas[7].storage-class: storage class"
                + " DEEP_ARCHIVE cannot be read")), p.toString());
        assertTrue(p.contains("dbs[0].replicas[8]: give either url: or type: with path: or bucket:, not both (only"
                + " credentials may go next to url:)"), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("dbs[0].replicas[9].access-key-id-file: cannot read")),
                p.toString());
        for (String s : p) {
            assertFalse(s.contains("inline-secret-value"), s);
        }
    }

    @Test
    void onlyOneOfTheTwoKeysIsAProblem() throws Exception {
        Files.writeString(dir.resolve("id"), "AKIAEXAMPLE");
        List<String> p = problems(db("      - {type: s3, bucket: my-backups, access-key-id-file: id}\n"));
        assertEquals(List.of("dbs[0].replicas[0].secret-access-key-file: required with access-key-id-file (give"
                + " both, or neither to use the AWS default credentials)"), p);
        Files.writeString(dir.resolve("empty"), "\n");
        p = problems(db("      - {type: s3, bucket: my-backups, access-key-id-file: id, secret-access-key-file: empty}\n"));
        assertEquals(List.of("dbs[0].replicas[0].secret-access-key-file: empty secret access key (check the file"
                + " holds the secret access key)"), p);
        p = problems(db("      - {url: gs://bucket-b/x, credentials-file: /a.json, access-key-id-file: id}\n"));
        assertEquals(List.of("dbs[0].replicas[0].access-key-id-file: not used by gcs replicas (remove it)"), p);
    }

    @Test
    void overlappingBucketPrefixesAreRejected() throws Exception {
        List<String> p = problems(String.join("\n",
                "dbs:",
                "  - path: /a.db",
                "    replicas: [s3://shared/app, s3://shared/app/nested, s3://shared/other, gs://shared/app]",
                "  - path: /b.db",
                "    replicas: [\"s3://shared/app?region=us-east-1\", s3://shared/apple,"
                        + " \"s3://shared/app?endpoint=http://127.0.0.1:9000\"]",
                "  - path: /c.db",
                "    replicas: [s3://whole-bucket, s3://whole-bucket/x]",
                ""));
        assertEquals(List.of(
                "dbs[0].replicas[1]: replica location overlaps dbs[0].replicas[0] (give every replica its own bucket"
                        + " path, not inside another)",
                "dbs[1].replicas[0]: same replica location as dbs[0].replicas[0] (give every replica its own bucket"
                        + " path, not inside another)",
                "dbs[2].replicas[1]: replica location overlaps dbs[2].replicas[0] (give every replica its own bucket"
                        + " path, not inside another)"), p);
    }

    @Test
    void describedConfigLoadsBackWithoutCredentials() throws Exception {
        SidecarConfig c = load(db("      - s3://b-1/x?endpoint=http://127.0.0.1:1&path-style=false&checksum=when-required\n"
                + "      - {type: gcs, bucket: g-1, path: y}\n"));
        SidecarConfig again = load(c.describe());
        assertEquals(c.dbs(), again.dbs());
    }

    @Test
    void recordsRejectBadValues() {
        assertThrows(IllegalArgumentException.class, () -> ReplicaSpec.S3.of("UPPER", "x"));
        assertThrows(IllegalArgumentException.class, () -> ReplicaSpec.S3.of("bucket", "a//b"));
        assertThrows(IllegalArgumentException.class, () -> ReplicaSpec.S3.of("bucket", "x").withCredentials("id", null));
        assertThrows(IllegalArgumentException.class, () -> ReplicaSpec.Gcs.of("googlebucket", "x"));
        assertThrows(NullPointerException.class, () -> new ReplicaSpec(ReplicaType.S3, null));
        assertThrows(IllegalArgumentException.class, () -> new ReplicaSpec(ReplicaType.S3, Path.of("/x"),
                ReplicaSpec.S3.of("bucket", "x"), null));
        assertEquals("S3[bucket=bucket, prefix=x, endpoint=null, region=null, pathStyle=false,"
                + " checksumMode=WHEN_SUPPORTED, storageClass=null, credentials=<redacted>]",
                ReplicaSpec.S3.of("bucket", "x").withCredentials("id", "secret").toString());
    }
}
