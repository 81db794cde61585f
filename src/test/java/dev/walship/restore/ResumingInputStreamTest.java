package dev.walship.restore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.replica.ReplicaClient;
import dev.walship.segment.FileInfo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ResumingInputStreamTest {
    static final byte[] DATA = new byte[1000];
    static {
        new Random(7).nextBytes(DATA);
    }
    static final FileInfo FILE = FileInfo.segment(0, 2, 4, 10, 20, DATA.length);
    static final FileInfo UNSIZED = FILE.withSize(-1);

    /** What the next open of the scripted replica does. */
    sealed interface Step {}
    record Ok() implements Step {}
    record DropAfter(int bytes) implements Step {}      // the connection resets after that many bytes
    record EndAfter(int bytes) implements Step {}       // a clean end of stream after that many bytes
    record FailOpen(IOException e) implements Step {}   // open itself throws

    /** A one-object replica whose opens follow a script (then succeed), recording each open's offset. */
    static final class Scripted implements ReplicaClient {
        final Deque<Step> script = new ArrayDeque<>();
        final List<Long> offsets = new ArrayList<>();
        boolean gone;

        Scripted(Step... steps) {
            script.addAll(List.of(steps));
        }

        public String url() { return "mem://test"; }
        public List<FileInfo> listFiles() { return List.of(FILE); }
        public InputStream open(FileInfo file) throws IOException { return open(file, 0); }

        public InputStream open(FileInfo file, long offset) throws IOException {
            offsets.add(offset);
            if (gone) throw new NoSuchFileException(url() + "/" + file.name());
            Step s = script.isEmpty() ? new Ok() : script.poll();
            var in = new ByteArrayInputStream(DATA, (int) offset, DATA.length - (int) offset);
            if (s instanceof DropAfter d) return DelegatingReplica.droppingAfter(in, d.bytes());
            if (s instanceof EndAfter e) {
                return new ByteArrayInputStream(DATA, (int) offset, Math.min(e.bytes(), DATA.length - (int) offset));
            }
            if (s instanceof FailOpen f) throw f.e();
            return in;
        }

        public void upload(FileInfo file, Path local) { throw new UnsupportedOperationException(); }
        public void delete(Collection<FileInfo> files) { throw new UnsupportedOperationException(); }
        public Optional<byte[]> readObject(String name) { return Optional.empty(); }
        public void writeObject(String name, byte[] data) { throw new UnsupportedOperationException(); }
        public Optional<Versioned> readVersioned(String name) { return Optional.empty(); }
        public String writeIf(String name, byte[] data, String v) { throw new UnsupportedOperationException(); }
        public void close() {}
    }

    final List<Long> sleeps = new ArrayList<>();
    final AtomicLong resumptions = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    ResumingInputStream open(ReplicaClient r, FileInfo f, int attempts) throws IOException {
        return ResumingInputStream.open(r, f, attempts, 10, sleeps::add, resumptions, bytes);
    }

    /** Reads everything with odd buffer sizes and single-byte reads mixed in. */
    static byte[] readAll(InputStream in) throws IOException {
        var out = new ByteArrayOutputStream();
        byte[] buf = new byte[77];
        for (int i = 0; ; i++) {
            if (i % 5 == 0) {
                int b = in.read();
                if (b < 0) break;
                out.write(b);
            } else {
                int n = in.read(buf, 0, 1 + i % buf.length);
                if (n < 0) break;
                out.write(buf, 0, n);
            }
        }
        return out.toByteArray();
    }

    @Test
    void droppedConnectionsResumeAtTheOffsetAndEveryByteArrivesOnce() throws Exception {
        var r = new Scripted(new DropAfter(100), new DropAfter(50), new DropAfter(0), new Ok());
        try (var in = open(r, FILE, 3)) {
            assertArrayEquals(DATA, readAll(in));
            assertEquals(-1, in.read());
            assertEquals(DATA.length, in.position());
        }
        assertEquals(List.of(0L, 100L, 150L, 150L), r.offsets);
        assertEquals(3, resumptions.get());
        assertEquals(DATA.length, bytes.get());
        assertEquals(List.of(10L, 10L, 20L), sleeps, "the backoff restarts after a try that made progress");
    }

    @Test
    void anEarlyEndOfAStreamOfKnownSizeIsADropNotTheEnd() throws Exception {
        var r = new Scripted(new EndAfter(300), new EndAfter(0), new Ok());
        try (var in = open(r, FILE, 3)) {
            assertArrayEquals(DATA, readAll(in));
        }
        assertEquals(List.of(0L, 300L, 300L), r.offsets);
        assertEquals(2, resumptions.get());
    }

    @Test
    void withoutAKnownSizeAnEndIsTheEndAndTheSegmentTrailerIsTheCheck() throws Exception {
        var r = new Scripted(new EndAfter(300));
        try (var in = open(r, UNSIZED, 3)) {
            assertEquals(300, readAll(in).length);
        }
        assertEquals(0, resumptions.get());
    }

    @Test
    void aDropAfterTheLastByteOfAKnownSizeNeedsNoReopen() throws Exception {
        var r = new Scripted(new DropAfter(DATA.length));
        try (var in = open(r, FILE, 3)) {
            assertArrayEquals(DATA, readAll(in));
        }
        assertEquals(List.of(0L), r.offsets);
    }

    @Test
    void aFailedFirstOpenIsRetriedButAMissingObjectIsNot() throws Exception {
        var flaky = new Scripted(new FailOpen(new IOException("503 Service Unavailable")), new Ok());
        try (var in = open(flaky, FILE, 2)) {
            assertArrayEquals(DATA, readAll(in));
        }
        assertEquals(1, resumptions.get());

        var missing = new Scripted();
        missing.gone = true;
        assertThrows(NoSuchFileException.class, () -> open(missing, FILE, 5));
        assertEquals(1, missing.offsets.size(), "a missing object is reported at once");

        var denied = new Scripted(new FailOpen(new AccessDeniedException("denied")));
        assertThrows(AccessDeniedException.class, () -> open(denied, FILE, 5));
        assertEquals(1, denied.offsets.size());
    }

    @Test
    void anObjectThatVanishesMidDownloadIsNotRetried() throws Exception {
        var r = new Scripted(new DropAfter(10));
        try (var in = open(r, FILE, 5)) {
            in.readNBytes(10);
            r.gone = true;
            assertThrows(NoSuchFileException.class, in::read);
        }
        assertEquals(List.of(0L, 10L), r.offsets);
    }

    @Test
    void givesUpAfterTheTriesNamingTheObjectAndTheBytesRead() throws Exception {
        var outage = new IOException("connect timed out");
        var r = new Scripted(new DropAfter(100), new FailOpen(outage), new FailOpen(outage), new FailOpen(outage),
                new FailOpen(outage));
        var in2 = open(r, FILE, 4);
        byte[] got = new byte[100];
        assertEquals(100, in2.readNBytes(got, 0, 100));
        var e = assertThrows(IOException.class, () -> in2.read(new byte[10]));
        assertTrue(e.getMessage().contains(FILE.name()), e.getMessage());
        assertTrue(e.getMessage().contains("mem://test"), e.getMessage());
        assertTrue(e.getMessage().contains("100 of 1000 bytes read"), e.getMessage());
        assertTrue(e.getMessage().contains("connect timed out"), e.getMessage());
        assertEquals(outage, e.getCause());
        assertEquals(List.of(0L, 100L, 100L, 100L), r.offsets, "the drop and three reopens: four tries");
        var again = assertThrows(IOException.class, in2::read);
        assertTrue(again.getMessage().contains("already failed at byte 100"), again.getMessage());
        in2.close();
    }

    @Test
    void theBackoffDoublesAndIsCapped() throws Exception {
        var r = new Scripted();
        for (int i = 0; i < 12; i++) r.script.add(new FailOpen(new IOException("down")));
        var e = assertThrows(IOException.class, () -> ResumingInputStream.open(r, FILE, 8, 1000, sleeps::add,
                resumptions, bytes));
        assertTrue(e.getMessage().contains("gave up after 8 failed tries in a row with 0 of 1000 bytes read"),
                e.getMessage());
        assertEquals(List.of(1000L, 2000L, 4000L, 8000L, 8000L, 8000L, 8000L), sleeps);
        assertEquals(8, r.offsets.size());
    }

    @Test
    void oneAttemptMeansNoResumption() throws Exception {
        var r = new Scripted(new DropAfter(10));
        try (var in = open(r, FILE, 1)) {
            in.readNBytes(10);
            var e = assertThrows(IOException.class, in::read);
            assertTrue(e.getMessage().contains("gave up after 1 failed try with 10 of 1000 bytes read"), e.getMessage());
        }
        assertEquals(0, resumptions.get());
        assertEquals(List.of(), sleeps);
    }

    @Test
    void anInterruptedThreadDoesNotRetry() throws Exception {
        var r = new Scripted(new DropAfter(10));
        try (var in = open(r, FILE, 5)) {
            in.readNBytes(10);
            Thread.currentThread().interrupt();
            assertThrows(java.net.SocketException.class, in::read);
        }
        assertEquals(1, r.offsets.size());
        Thread.interrupted();

        var s = new Scripted(new DropAfter(10));
        try (var in = ResumingInputStream.open(s, FILE, 5, 10, ms -> { throw new InterruptedException(); },
                resumptions, bytes)) {
            in.readNBytes(10);
            var e = assertThrows(InterruptedIOException.class, in::read);
            assertTrue(e.getMessage().contains(FILE.name()), e.getMessage());
            assertTrue(Thread.currentThread().isInterrupted());
        }
        assertFalse(s.offsets.size() > 1);
    }

    @Test
    void closeClosesTheConnectionAndAZeroLengthReadReadsNothing() throws Exception {
        var r = new Scripted();
        var in = open(r, FILE, 2);
        assertEquals(0, in.read(new byte[4], 0, 0));
        in.close();
        in.close();
        assertThrows(IOException.class, in::read);
        assertInstanceOf(IOException.class, assertThrows(IOException.class, () -> in.read(new byte[1])));
    }
}
