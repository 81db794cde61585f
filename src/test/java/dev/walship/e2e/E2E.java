package dev.walship.e2e;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Small shared plumbing for the end-to-end tests (file replicas here, object stores in dev.walship.e2e.store): the
 * python script, child processes and their environment, files.
 */
public final class E2E {
    /** walship's --sync-interval in every e2e test. */
    public static final String SYNC_INTERVAL = "100ms";
    public static final long SYNC_INTERVAL_MS = 100;

    private E2E() {}

    public static Path writerScript() {
        try {
            return Path.of(E2E.class.getResource("/e2e/writer.py").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command to completion; returns stdout; fails with stderr on non-zero exit. */
    public static String run(long timeoutSeconds, String... cmd) throws IOException, InterruptedException {
        Path err = Files.createTempFile("e2e-cmd", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", cmd));
            }
            if (p.exitValue() != 0) {
                throw new IOException("exit " + p.exitValue() + ": " + String.join(" ", cmd) + "\n"
                        + Files.readString(err));
            }
            return new String(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(err);
        }
    }

    /** The java launcher of this JVM and the test classpath: walship's main class runs as under `java -jar`. */
    public static List<String> javaCommand(String... jvmArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(Arrays.asList(jvmArgs));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.walship.cli.Main");
        return cmd;
    }

    /**
     * Gives a walship child process this JVM's environment minus anything that could point the AWS or Google clients
     * at real credentials or config, plus {@code env} (e.g. a test store's credentials, which reach walship only
     * through the environment, as in a deployment).
     */
    public static void environment(ProcessBuilder pb, Map<String, String> env) {
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("GOOGLE_") || k.equals("CLOUDSDK_CONFIG"));
        e.put("AWS_EC2_METADATA_DISABLED", "true");
        e.put("AWS_CONFIG_FILE", "/nonexistent/walship-e2e/aws-config");
        e.put("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/walship-e2e/aws-credentials");
        e.putAll(env);
    }

    /** Content checksum and PRAGMA integrity_check result of each db, computed by python3's SQLite. */
    public static List<DbCheck> check(List<Path> dbs) throws IOException, InterruptedException {
        List<DbCheck> res = new ArrayList<>();
        for (int i = 0; i < dbs.size(); i += 100) {
            List<String> cmd = new ArrayList<>(List.of("python3", writerScript().toString(), "check"));
            for (Path p : dbs.subList(i, Math.min(dbs.size(), i + 100))) cmd.add(p.toString());
            String out = run(300, cmd.toArray(String[]::new));
            for (String line : out.strip().split("\n")) {
                String[] parts = line.split(" ");
                res.add(new DbCheck(parts[0], parts[1]));
            }
        }
        if (res.size() != dbs.size()) throw new IOException("check printed " + res.size() + " lines for " + dbs.size());
        return res;
    }

    public static DbCheck check(Path db) throws IOException, InterruptedException {
        return check(List.of(db)).get(0);
    }

    public record DbCheck(String checksum, String integrity) {
        public boolean ok() {
            return integrity.equals("ok");
        }
    }

    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Copies a failed test's directory (database, writer log, walship log, replica) to
     * target/e2e-failures/ so the evidence survives @TempDir cleanup; returns where it went.
     */
    public static String preserve(Path dir) {
        try {
            Path dest = Path.of("target", "e2e-failures", dir.getFileName() + "-" + System.currentTimeMillis())
                    .toAbsolutePath();
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.toList()) {
                    if (Files.isDirectory(p) || p.getFileName().toString().matches("r\\d+\\.db")) continue;
                    Path t = dest.resolve(dir.relativize(p).toString());
                    Files.createDirectories(t.getParent());
                    Files.copy(p, t);
                }
            }
            return "evidence kept in " + dest;
        } catch (IOException e) {
            return "could not keep evidence: " + e;
        }
    }

    public static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no " + file + ")";
        }
    }

    /** Non-blank lines of a text. */
    public static List<String> lines(String text) {
        return text.lines().filter(l -> !l.isBlank()).toList();
    }
}
