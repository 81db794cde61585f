package dev.walship.replica.s3;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * S3Proxy (filesystem-nio2 backend, SigV4 auth) as a separate process on a loopback port, like a real store. A test
 * can kill it and start a new one on the same port and directory (a store outage). The jar is copied to
 * target/s3proxy by the maven-dependency-plugin in generate-test-resources.
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String IDENTITY = "walship-e2e-access";
    /** Distinctive, so a test can assert it never shows up in walship's output or messages. */
    public static final String CREDENTIAL = "E2eS3cret-Kq7vX9pLm2Rt8WzN4";
    public static final String REGION = "us-east-1";
    static final Path JAR = Path.of("target", "s3proxy", "s3proxy-jar-with-dependencies.jar");

    private final Process process;
    public final int port;
    public final URI endpoint;

    private S3ProxyServer(Process process, int port) {
        this.process = process;
        this.port = port;
        this.endpoint = URI.create("http://127.0.0.1:" + port);
    }

    /** Starts S3Proxy on a free port with its data in {@code dir}/data; returns once it accepts connections. */
    public static S3ProxyServer start(Path dir) throws IOException, InterruptedException {
        return start(dir, freePort());
    }

    /**
     * Starts S3Proxy on {@code port} with its data in {@code dir}/data (kept from an earlier server on the same
     * directory); returns once it accepts connections. Its log is appended to {@code dir}/s3proxy.log.
     */
    public static S3ProxyServer start(Path dir, int port) throws IOException, InterruptedException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: run the tests through Maven (mvn test"
                    + " copies it in generate-test-resources)");
        }
        Path data = Files.createDirectories(dir.resolve("data"));
        Path conf = dir.resolve("s3proxy.conf");
        Files.writeString(conf, String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + IDENTITY,
                "s3proxy.credential=" + CREDENTIAL,
                "jclouds.provider=filesystem-nio2",
                "jclouds.filesystem.basedir=" + data,
                ""), StandardCharsets.UTF_8);
        Path log = dir.resolve("s3proxy.log");
        Files.writeString(log, "=== start on port " + port + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx512m", "-XX:TieredStopAtLevel=1", "-jar",
                JAR.toAbsolutePath().toString(), "--properties", conf.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        S3ProxyServer server = new S3ProxyServer(p, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (true) {
            if (!p.isAlive()) {
                throw new IllegalStateException("S3Proxy exited with " + p.exitValue() + ":\n" + Files.readString(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return server;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    server.close();
                    throw new IllegalStateException("S3Proxy did not listen on port " + port + " within 40 s:\n"
                            + Files.readString(log));
                }
                Thread.sleep(50);
            }
        }
    }

    /** A loopback port nobody listens on right now. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The replica URL of {@code bucket/prefix} on this store. */
    public String url(String bucket, String prefix) {
        return "s3://" + bucket + "/" + prefix + "?endpoint=" + endpoint + "&region=" + REGION + "&path-style=true";
    }

    /** The environment of a walship child process that talks to this store with {@code secretKey}. */
    public static Map<String, String> environment(String secretKey) {
        return Map.of("AWS_ACCESS_KEY_ID", IDENTITY, "AWS_SECRET_ACCESS_KEY", secretKey);
    }

    /** The environment of a walship child process that talks to this store with the right credentials. */
    public static Map<String, String> environment() {
        return environment(CREDENTIAL);
    }

    /** A plain SDK client with the store's credentials (bucket creation, looking behind the replica). */
    public S3Client admin() {
        return S3Support.client(endpoint, IDENTITY, CREDENTIAL);
    }

    /** Object names under {@code prefix/}, relative to it. */
    public static Set<String> objects(S3Client admin, String bucket, String prefix) {
        Set<String> res = new HashSet<>();
        for (S3Object o : admin.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + "/")).contents()) {
            res.add(o.key().substring(prefix.length() + 1));
        }
        return res;
    }

    /** SIGKILL: the store vanishes mid-request, like a crash. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
    }

    /** Stops the process we started, by its handle (its PID). */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
