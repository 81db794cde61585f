package dev.walship.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * A small seeded property runner for the fuzz targets (see the pom for why not jqwik or Jazzer).
 *
 * <p>Each case draws from its own {@code Random(seed, index)}, so a failure names the one case to replay; the
 * failing input is written to {@code target/fuzz-failures/<target>/} and the message says to keep it as a
 * regression fixture under {@code src/test/resources/fuzz/<target>/}. Cases run on a worker thread so a hang is
 * reported as a failure of that case (the runaway thread is a daemon and dies with the JVM), and each case's heap
 * allocation is measured so a decoder that trusts a declared size fails here instead of in production.
 *
 * <p>{@code -Dwalship.fuzz.scale=N} multiplies every property's tries for a deeper run by hand, and
 * {@code -Dwalship.fuzz.seed=S} replaces every fixed seed; the default run is fixed and bounded.
 */
public final class Fuzz {
    public static final Path FIXTURES = Path.of("src/test/resources/fuzz");
    public static final Path FAILURES = Path.of("target/fuzz-failures");

    private Fuzz() {
    }

    /** Makes a case from its own random source. */
    public interface Gen<T> {
        T next(Random rnd) throws Exception;
    }

    /** Checks one case and returns an outcome label (counted, so a property can prove it reached each path). */
    public interface Check<T> {
        String check(T input) throws Exception;
    }

    /** One property: where its failures go, how to generate, save and check a case, and its bounds. */
    public record Property<T>(String target, long seed, int tries, Duration budget, long maxAllocBytes,
                              Gen<T> gen, java.util.function.Function<T, byte[]> bytes, Check<T> check) {
        public Property<T> maxAlloc(long bytesPerCase) {
            return new Property<>(target, seed, tries, budget, bytesPerCase, gen, bytes, check);
        }
    }

    /** A property with a 64 MiB per-case allocation bound and a 40 s budget for all its tries. */
    public static <T> Property<T> property(String target, long seed, int tries, Gen<T> gen,
                                           java.util.function.Function<T, byte[]> bytes, Check<T> check) {
        return new Property<>(target, seed, tries, Duration.ofSeconds(40), 64L << 20, gen, bytes, check);
    }

    /** Runs every try; returns how often each outcome occurred. */
    public static <T> Map<String, Integer> run(Property<T> p) {
        long seed = Long.getLong("walship.fuzz.seed", p.seed());
        int tries = p.tries() * Integer.getInteger("walship.fuzz.scale", 1);
        Map<String, Integer> outcomes = new java.util.concurrent.ConcurrentSkipListMap<>();
        long t0 = System.nanoTime();
        Object[] current = new Object[2]; // case index and input, for the hang report
        onWorker("fuzz-" + p.target(), p.budget(), () -> {
            for (int i = 0; i < tries; i++) {
                T input;
                try {
                    input = p.gen().next(caseRandom(seed, i));
                } catch (Exception e) {
                    throw new IllegalStateException("generator failed for case " + i, e);
                }
                synchronized (current) {
                    current[0] = i;
                    current[1] = input;
                }
                outcomes.merge(checkOne(p, input, "case " + i + " (seed " + seed + ")"), 1, Integer::sum);
            }
            return null;
        }, () -> {
            synchronized (current) {
                @SuppressWarnings("unchecked") T input = (T) current[1];
                return p.target() + " case " + current[0] + " (seed " + seed + ") did not finish within " + p.budget()
                        + " for all tries: a hang; " + saved(p, input, current[0]);
            }
        });
        // one line per property in target/surefire-reports/*-output.txt: what ran and what it reached
        System.out.printf("fuzz target=%s seed=%d tries=%d ms=%d outcomes=%s%n", p.target(), seed, tries,
                (System.nanoTime() - t0) / 1_000_000, outcomes);
        return outcomes;
    }

    /** Replays one stored input through a property's check (same allocation bound, a 10 s limit). */
    public static <T> String replay(Property<T> p, T input, String name) {
        return onWorker("fuzz-replay", Duration.ofSeconds(10), () -> checkOne(p, input, "fixture " + name),
                () -> p.target() + " fixture " + name + " hangs");
    }

    /** One test per stored input of the property's target, each expecting the verdict of its README line. */
    public static <T> Stream<DynamicTest> replayAll(Property<T> p, Function<Fixture, T> input) {
        return fixtures(p.target()).stream().map(f -> DynamicTest.dynamicTest(f.name(),
                () -> assertEquals(f.expect(), replay(p, input.apply(f), f.name()))));
    }

    /** Runs {@code job} on a daemon thread, so that a hang fails the test (described by {@code hang}) instead. */
    private static <R> R onWorker(String name, Duration limit, Callable<R> job, Supplier<String> hang) {
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        Future<R> f = worker.submit(job);
        try {
            return f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new AssertionError(hang.get(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error err) throw err;
            throw new AssertionError(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } finally {
            worker.shutdownNow();
        }
    }

    private static <T> String checkOne(Property<T> p, T input, String which) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        String outcome;
        try {
            outcome = p.check().check(input);
        } catch (Throwable t) {
            throw new AssertionError(p.target() + " " + which + " failed: " + t + "; " + saved(p, input, which), t);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        if (allocated > p.maxAllocBytes()) {
            throw new AssertionError(p.target() + " " + which + " allocated " + allocated + " bytes (bound "
                    + p.maxAllocBytes() + "): a size read from the input is trusted; " + saved(p, input, which));
        }
        return outcome;
    }

    /** Every property's case i gets the same stream for the same seed, independent of the other cases. */
    static Random caseRandom(long seed, int index) {
        return new Random(seed * 0x9E3779B97F4A7C15L + index);
    }

    private static <T> String saved(Property<T> p, T input, Object which) {
        if (input == null) return "no input to save";
        try {
            Path dir = Files.createDirectories(FAILURES.resolve(p.target()));
            String name = String.valueOf(which).replaceAll("[^A-Za-z0-9]+", "-").replaceAll("^-|-$", "");
            Path f = Files.write(dir.resolve(name), p.bytes().apply(input));
            return "input saved to " + f + " (keep it: copy it to " + FIXTURES.resolve(p.target())
                    + "/ and add a README line)";
        } catch (IOException | RuntimeException e) {
            return "saving the input failed: " + e;
        }
    }

    /** A stored input and the verdict its README line expects. */
    public record Fixture(Path file, String expect) {
        public byte[] bytes() {
            try {
                return Files.readAllBytes(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public String name() {
            return file.getFileName().toString();
        }
    }

    private static final Pattern README_LINE = Pattern.compile("^- `([^`]+)` expects `([^`]+)`", Pattern.MULTILINE);

    /**
     * The stored inputs of a target, each with the verdict from its README line ({@code - `file` expects
     * `verdict`: why}); fails if a file has no such line or a line has no file.
     */
    public static List<Fixture> fixtures(String target) {
        Path dir = FIXTURES.resolve(target);
        try (Stream<Path> s = Files.list(dir)) {
            List<String> files = s.map(f -> f.getFileName().toString()).filter(f -> !f.equals("README.md")).sorted()
                    .toList();
            Map<String, String> expect = new TreeMap<>();
            Matcher m = README_LINE.matcher(Files.readString(dir.resolve("README.md")));
            while (m.find()) expect.put(m.group(1), m.group(2));
            assertFalse(files.isEmpty(), "no fixtures under " + dir);
            assertEquals(files, List.copyOf(expect.keySet()), "every file in " + dir + " has one README line");
            return files.stream().map(f -> new Fixture(dir.resolve(f), expect.get(f))).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lengths at the edges of the headers and trailers of the formats under test. */
    private static final int[] EDGES = {0, 1, 7, 8, 16, 31, 32, 33, 56, 63, 64, 65, 79, 80, 81};

    /** Random bytes: sometimes an edge length, mostly small, sometimes up to {@code max}. */
    public static byte[] randomBytes(Random rnd, int max) {
        int n = switch (rnd.nextInt(8)) {
            case 0 -> EDGES[rnd.nextInt(EDGES.length)];
            case 1, 2 -> rnd.nextInt(max + 1);
            default -> rnd.nextInt(Math.min(max, 256) + 1);
        };
        byte[] b = new byte[Math.min(n, max)];
        rnd.nextBytes(b);
        return b;
    }
}
