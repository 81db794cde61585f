package dev.walship.restore;

import dev.walship.replica.ReplicaClient;
import dev.walship.segment.FileInfo;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Test helper: a replica that forwards everything to another one; subclasses change {@link #open(FileInfo, long)}. */
class DelegatingReplica implements ReplicaClient {
    final ReplicaClient inner;

    DelegatingReplica(ReplicaClient inner) {
        this.inner = inner;
    }

    @Override public String url() { return inner.url(); }
    @Override public List<FileInfo> listFiles() throws IOException { return inner.listFiles(); }

    /** Every open, ranged or not, goes through {@link #open(FileInfo, long)}. */
    @Override
    public final InputStream open(FileInfo file) throws IOException {
        return open(file, 0);
    }

    @Override
    public InputStream open(FileInfo file, long offset) throws IOException {
        return inner.open(file, offset);
    }

    @Override public void upload(FileInfo file, Path local) throws IOException { inner.upload(file, local); }
    @Override public void delete(Collection<FileInfo> files) throws IOException { inner.delete(files); }
    @Override public Optional<byte[]> readObject(String name) throws IOException { return inner.readObject(name); }
    @Override public void writeObject(String name, byte[] data) throws IOException { inner.writeObject(name, data); }
    @Override public Optional<Versioned> readVersioned(String name) throws IOException { return inner.readVersioned(name); }
    @Override public String writeIf(String name, byte[] data, String expected) throws IOException {
        return inner.writeIf(name, data, expected);
    }
    @Override public void close() throws IOException { inner.close(); }

    /** A stream that delivers {@code limit} bytes and then fails like a connection reset. */
    static InputStream droppingAfter(InputStream in, long limit) {
        return new FilterInputStream(in) {
            long left = limit;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) return 0;
                if (left <= 0) throw new java.net.SocketException("Connection reset (simulated)");
                int n = super.read(b, off, (int) Math.min(len, left));
                if (n > 0) left -= n;
                return n;
            }
        };
    }
}
