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
import java.util.concurrent.TimeUnit;

/**
 * Wakes the follower when the WAL file changes (inotify on Linux), for sync-on-commit mode: a
 * commit is shipped milliseconds after it lands instead of at the next poll, without busy polling.
 */
final class WalWatcher implements Closeable {
    private final WatchService ws;
    private final String walName;

    WalWatcher(Path db) throws IOException {
        ws = FileSystems.getDefault().newWatchService();
        walName = DbFiles.wal(db).getFileName().toString();
        db.toAbsolutePath().getParent().register(ws, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_CREATE);
    }

    /** Waits until the WAL was modified or {@code maxMillis} passed; returns true on a change. */
    boolean await(long maxMillis) throws InterruptedException {
        long deadline = System.nanoTime() + maxMillis * 1_000_000L;
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return false;
            WatchKey key;
            try {
                key = ws.poll(left, TimeUnit.NANOSECONDS);
            } catch (ClosedWatchServiceException e) {
                return false;
            }
            if (key == null) return false;
            boolean hit = false;
            for (WatchEvent<?> ev : key.pollEvents()) {
                Object ctx = ev.context();
                if (ev.kind() == StandardWatchEventKinds.OVERFLOW || (ctx != null && ctx.toString().equals(walName))) {
                    hit = true;
                }
            }
            key.reset();
            if (hit) return true;
        }
    }

    @Override
    public void close() throws IOException {
        ws.close();
    }
}
