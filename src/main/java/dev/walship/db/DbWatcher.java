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
import java.util.Set;
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
 */
final class DbWatcher implements Closeable {
    private final WatchService ws;
    private final WatchKey key;
    private final Set<String> names;
    private final Runnable onChange;
    private final AtomicLong changes = new AtomicLong();
    private volatile boolean working = true;

    /**
     * Starts watching {@code db}'s directory on a daemon thread.
     *
     * @throws IOException when the kernel refuses a watch (e.g. the per-user inotify limit is reached)
     */
    DbWatcher(Path db, String threadName, Runnable onChange) throws IOException {
        String file = db.getFileName().toString();
        this.names = Set.of(file, file + "-wal", file + "-shm", file + "-journal");
        this.onChange = onChange;
        this.ws = FileSystems.getDefault().newWatchService();
        try {
            key = db.toAbsolutePath().getParent().register(ws, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException | RuntimeException e) {
            ws.close();
            throw e;
        }
        Thread t = new Thread(this::relay, threadName);
        t.setDaemon(true);
        t.start();
    }

    /** How many changes were reported so far; compare two readings to learn whether anything changed between. */
    long changes() {
        return changes.get();
    }

    /** False once the directory cannot be watched any more (deleted, unmounted) or the watcher was closed. */
    boolean working() {
        return working;
    }

    private void relay() {
        try {
            while (true) {
                WatchKey k = ws.take();
                boolean hit = false;
                for (WatchEvent<?> ev : k.pollEvents()) {
                    Object name = ev.context();
                    // An overflow means events were dropped: one of them may have been a commit.
                    if (ev.kind() == StandardWatchEventKinds.OVERFLOW || (name != null && names.contains(name.toString()))) {
                        hit = true;
                    }
                }
                boolean valid = k.reset();
                if (hit || !valid) changes.incrementAndGet();
                if (!valid) working = false;
                if (hit || !valid) onChange.run();
                if (!valid) return;
            }
        } catch (ClosedWatchServiceException e) {
            working = false;
        } catch (InterruptedException e) {
            working = false;
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        working = false;
        key.cancel();
        ws.close(); // ends the relay thread's take()
    }
}
