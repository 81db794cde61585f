package dev.walship.e2e.store;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * S3Proxy (filesystem-nio2 backend, SigV4 auth) as a separate process on a given loopback port and data directory,
 * so that a test can kill it and start a new one on the same port and data (a store outage). The jar is copied to
 * target/s3proxy by the pom in generate-test-resources.
 */
final class S3ProxyProcess implements AutoCloseable {
    static final String ACCESS_KEY = "walship-e2e-access";
    /** Distinctive, so a test can assert it never shows up in walship's output. */
    static final String SECRET_KEY = "E2eS3cret-Kq7vX9pLm2Rt8WzN4";
    static final String REGION = "us-east-1";
    static final Path JAR = Path.of("target", "s3proxy", "s3proxy-jar-with-dependencies.jar");

    final int port;
    final Path dir;
    private final Process process;

    private S3ProxyProcess(int port, Path dir, Process process) {
        this.port = port;
        this.dir = dir;
        this.process = process;
    }

    /** Starts S3Proxy on {@code port} with its data in {@code dir}/data; returns once it accepts connections. */
    static S3ProxyProcess start(Path dir, int port) throws IOException, InterruptedException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: run the tests through Maven");
        }
        Path data = Files.createDirectories(dir.resolve("data"));
        Path conf = dir.resolve("s3proxy.conf");
        Files.writeString(conf, String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=filesystem-nio2",
                "jclouds.filesystem.basedir=" + data,
                ""), StandardCharsets.UTF_8);
        Path log = dir.resolve("s3proxy.log");
        Files.writeString(log, "=== start on port " + port + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx384m", "-XX:TieredStopAtLevel=1", "-jar", JAR.toAbsolutePath().toString(),
                "--properties", conf.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        S3ProxyProcess s = new S3ProxyProcess(port, dir, p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (true) {
            if (!p.isAlive()) {
                throw new IllegalStateException("S3Proxy exited with " + p.exitValue() + ":\n" + Files.readString(log));
            }
            try (Socket sock = new Socket()) {
                sock.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return s;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    s.close();
                    throw new IllegalStateException("S3Proxy did not listen on port " + port + " within 40 s:\n"
                            + Files.readString(log));
                }
                Thread.sleep(50);
            }
        }
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The replica URL of {@code bucket/prefix} on this store. */
    String url(String bucket, String prefix) {
        return "s3://" + bucket + "/" + prefix + "?endpoint=" + endpoint() + "&region=" + REGION + "&path-style=true";
    }

    /** A plain SDK client with the store's credentials (bucket creation, looking behind the replica). */
    S3Client admin() {
        return S3Client.builder()
                .httpClientBuilder(ApacheHttpClient.builder())
                .endpointOverride(endpoint())
                .region(Region.of(REGION))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    /** Object names under {@code prefix/}, relative to it. */
    static Set<String> objects(S3Client admin, String bucket, String prefix) {
        Set<String> res = new HashSet<>();
        for (S3Object o : admin.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + "/")).contents()) {
            res.add(o.key().substring(prefix.length() + 1));
        }
        return res;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: the store vanishes mid-request, like a crash. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
