package dev.walship.db;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts changes to a database's files (the database, its -wal, -shm and -journal) as the kernel reports them
 * (inotify on Linux), and runs a callback on each. The follower uses it to sleep while the database is quiet and
 * to ship a commit the moment it lands in sync-on-commit mode, instead of polling.
 *
 * <p>A commit is a write(2) to the -wal, a checkpoint a write to the database file, a replaced database a rename
 * into the directory: all reported. SQLite never writes the -wal or the database through a memory map (only the
 * -shm, which needs no watching). If the directory stops being watchable, {@link #working()} turns false and the
 * follower polls again.
 *
 * <p>All databases of the process share one watch service: one inotify instance (the kernel allows a user 128 by
 * default) and two threads (the JDK's and {@link #relay}), however many databases there are.
 */
final class DbWatcher implements Closeable {
    private static final Object LOCK = new Object();
    /** Created with the first watcher, kept for the life of the process. Guarded by LOCK. */
    private static WatchService shared;
    /** The watchers of each watched directory. Guarded by LOCK. */
    private static final Map<WatchKey, List<DbWatcher>> BY_KEY = new HashMap<>();

    private final WatchKey key;
    private final Set<String> names;
    private final Runnable onChange;
    private final AtomicLong changes = new AtomicLong();
    private volatile boolean working = true;

    /**
     * Starts watching {@code db}'s directory.
     *
     * @throws IOException when the kernel refuses a watch (e.g. the per-user inotify limit is reached)
     */
    DbWatcher(Path db, Runnable onChange) throws IOException {
        String file = db.getFileName().toString();
        this.names = Set.of(file, file + "-wal", file + "-shm", file + "-journal");
        this.onChange = onChange;
        synchronized (LOCK) {
            if (shared == null) {
                WatchService ws = FileSystems.getDefault().newWatchService();
                Thread t = new Thread(() -> relay(ws), "walship-watch");
                t.setDaemon(true);
                t.start();
                shared = ws;
            }
            // Registering a directory twice returns the same key: databases in one directory share it.
            key = db.toAbsolutePath().getParent().register(shared, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE);
            BY_KEY.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(this);
        }
    }

    /** How many changes were reported so far; compare two readings to learn whether anything changed between. */
    long changes() {
        return changes.get();
    }

    /** False once the directory cannot be watched any more (deleted, unmounted) or the watcher was closed. */
    boolean working() {
        return working;
    }

    private static void relay(WatchService ws) {
        try {
            while (true) {
                WatchKey k = ws.take();
                List<WatchEvent<?>> events = k.pollEvents();
                boolean valid = k.reset();
                List<DbWatcher> watchers;
                synchronized (LOCK) {
                    watchers = valid ? BY_KEY.get(k) : BY_KEY.remove(k);
                }
                if (watchers != null) for (DbWatcher w : watchers) w.deliver(events, valid);
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // the service is never closed and the thread never interrupted: nothing to watch any more
            synchronized (LOCK) {
                for (List<DbWatcher> l : BY_KEY.values()) for (DbWatcher w : l) w.working = false;
            }
        }
    }

    private void deliver(List<WatchEvent<?>> events, boolean valid) {
        boolean hit = !valid;
        for (WatchEvent<?> ev : events) {
            Object name = ev.context();
            // An overflow means events were dropped: one of them may have been a commit.
            if (ev.kind() == StandardWatchEventKinds.OVERFLOW || (name != null && names.contains(name.toString()))) {
                hit = true;
            }
        }
        if (!valid) working = false;
        if (hit) {
            changes.incrementAndGet();
            onChange.run();
        }
    }

    @Override
    public void close() {
        working = false;
        synchronized (LOCK) {
            List<DbWatcher> l = BY_KEY.get(key);
            if (l == null) return;
            l.remove(this);
            if (l.isEmpty()) {
                BY_KEY.remove(key);
                key.cancel();
            }
        }
    }
}
