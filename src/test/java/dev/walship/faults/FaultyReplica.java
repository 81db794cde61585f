package dev.walship.faults;

import dev.walship.replica.ReplicaClient;
import dev.walship.replica.file.FileReplica;
import dev.walship.segment.FileInfo;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Predicate;

/**
 * A file replica whose sidecar "dies" at a chosen call: that call stops half-way, as a killed process would
 * leave it, and every later call fails (a dead process makes none). The half-way states are those of the
 * real backend: an upload leaves a partly written temp file (FileReplica's dot-named sibling, never listed),
 * a batch delete removes only some of its files, a download breaks off mid-stream.
 */
class FaultyReplica implements ReplicaClient {
    /** Where the sidecar dies. */
    enum Point { UPLOAD, DELETE, OPEN }

    /** Thrown by the call that dies and by every call after it. */
    static final class Died extends IOException {
        Died(String m) {
            super(m);
        }
    }

    private final FileReplica inner;
    private final Point point;
    private final Predicate<FileInfo> which;
    private final Random random;
    private int skip;
    private volatile boolean dead;
    private volatile String diedAt;

    /** Dies at the {@code skip + 1}-th call of {@code point} on a file matching {@code which}. */
    FaultyReplica(FileReplica inner, Point point, Predicate<FileInfo> which, int skip, long seed) {
        this.inner = inner;
        this.point = point;
        this.which = which;
        this.skip = skip;
        this.random = new Random(seed);
    }

    boolean dead() {
        return dead;
    }

    /** What the fatal call was doing, for messages. */
    String diedAt() {
        return diedAt;
    }

    private boolean fires(Point p, FileInfo f) throws Died {
        alive();
        if (p != point || !which.test(f)) return false;
        return skip-- == 0;
    }

    private void alive() throws Died {
        if (dead) throw new Died("sidecar is dead (died at " + diedAt + ")");
    }

    private Died die(String what) {
        dead = true;
        diedAt = what;
        return new Died("sidecar died during " + what);
    }

    @Override public String url() { return inner.url(); }

    @Override
    public List<FileInfo> listFiles() throws IOException {
        alive();
        return inner.listFiles();
    }

    @Override
    public InputStream open(FileInfo file) throws IOException {
        return open(file, 0);
    }

    @Override
    public InputStream open(FileInfo file, long offset) throws IOException {
        boolean fire = fires(Point.OPEN, file);
        InputStream in = inner.open(file, offset);
        if (!fire) return in;
        long cut = Math.max(1, (file.size() - offset) / 2);
        return new FilterInputStream(in) {
            long left = cut;

            @Override
            public int read() throws IOException {
                byte[] b = new byte[1];
                return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) throw die("download of " + file.name());
                int n = super.read(b, off, (int) Math.min(len, left));
                if (n > 0) left -= n;
                return n;
            }
        };
    }

    @Override
    public void upload(FileInfo file, Path local) throws IOException {
        if (!fires(Point.UPLOAD, file)) {
            inner.upload(file, local);
            return;
        }
        // what FileReplica leaves when killed inside Fsync.copyAtomically: half the bytes in its temp sibling
        Path target = inner.root().resolve(file.name());
        Files.createDirectories(target.getParent());
        byte[] all = Files.readAllBytes(local);
        Files.write(target.resolveSibling("." + target.getFileName() + ".tmp-deadbeef"),
                java.util.Arrays.copyOf(all, all.length / 2));
        throw die("upload of " + file.name());
    }

    @Override
    public void delete(Collection<FileInfo> files) throws IOException {
        alive();
        FileInfo match = files.stream().filter(which).findFirst().orElse(null);
        if (match == null || !fires(Point.DELETE, match)) {
            inner.delete(files);
            return;
        }
        // a batch delete is not atomic: any part of it may be done when the process dies
        List<FileInfo> shuffled = new ArrayList<>(files);
        Collections.shuffle(shuffled, random);
        inner.delete(shuffled.subList(0, shuffled.size() / 2));
        throw die("delete of " + files.size() + " files (" + shuffled.size() / 2 + " done)");
    }

    @Override
    public Optional<byte[]> readObject(String name) throws IOException {
        alive();
        return inner.readObject(name);
    }

    @Override
    public void writeObject(String name, byte[] data) throws IOException {
        alive();
        inner.writeObject(name, data);
    }

    @Override
    public Optional<Versioned> readVersioned(String name) throws IOException {
        alive();
        return inner.readVersioned(name);
    }

    @Override
    public String writeIf(String name, byte[] data, String expectedVersion) throws IOException {
        alive();
        return inner.writeIf(name, data, expectedVersion);
    }

    @Override
    public void close() {
        inner.close();
    }
}
