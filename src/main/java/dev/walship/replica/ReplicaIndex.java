package dev.walship.replica;

import dev.walship.segment.FileInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * In-memory list of a replica's data files, built by one LIST at start and then kept current by
 * every upload and delete, so steady-state replication never pays for a LIST request.
 */
public final class ReplicaIndex {
    private final Map<String, FileInfo> files = new ConcurrentSkipListMap<>();

    public ReplicaIndex(Collection<FileInfo> initial) {
        for (FileInfo f : initial) files.put(f.name(), f);
    }

    public void add(FileInfo f) {
        files.put(f.name(), f);
    }

    public void remove(Collection<FileInfo> gone) {
        for (FileInfo f : gone) files.remove(f.name());
    }

    public boolean contains(FileInfo f) {
        return files.containsKey(f.name());
    }

    public List<FileInfo> all() {
        return new ArrayList<>(files.values());
    }

    /** Highest txid stored in the replica, 0 when empty. */
    public long maxTxid() {
        long m = 0;
        for (FileInfo f : files.values()) m = Math.max(m, f.maxTxid());
        return m;
    }

    public boolean hasSnapshot() {
        for (FileInfo f : files.values()) if (f.isSnapshot()) return true;
        return false;
    }
}
