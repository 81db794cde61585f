package dev.walship.replica.crypto;

import dev.walship.replica.ReplicaClient;
import dev.walship.segment.FileInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** A replica that forwards every call; tests override single methods. */
class ForwardingReplica implements ReplicaClient {
    final ReplicaClient inner;

    ForwardingReplica(ReplicaClient inner) {
        this.inner = inner;
    }

    @Override public String url() { return inner.url(); }
    @Override public List<FileInfo> listFiles() throws IOException { return inner.listFiles(); }
    @Override public InputStream open(FileInfo file) throws IOException { return inner.open(file); }
    @Override public InputStream open(FileInfo file, long offset) throws IOException { return inner.open(file, offset); }
    @Override public void upload(FileInfo file, Path local) throws IOException { inner.upload(file, local); }
    @Override public void delete(Collection<FileInfo> files) throws IOException { inner.delete(files); }
    @Override public Optional<byte[]> readObject(String name) throws IOException { return inner.readObject(name); }
    @Override public void writeObject(String name, byte[] data) throws IOException { inner.writeObject(name, data); }
    @Override public Optional<Versioned> readVersioned(String name) throws IOException { return inner.readVersioned(name); }
    @Override public String writeIf(String name, byte[] data, String v) throws IOException { return inner.writeIf(name, data, v); }
    @Override public void close() throws IOException { inner.close(); }
}
