package dev.walship.wal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test helper that writes real WAL files with python3's sqlite3 module (a different SQLite build
 * from sqlite-jdbc), so the reader is checked against SQLite rather than against itself.
 */
final class PyWal implements AutoCloseable {
    final Path dir;
    final List<Integer> pageCounts;
    final long rows;
    private final Process process;

    private PyWal(Path dir, List<Integer> pageCounts, long rows, Process process) {
        this.dir = dir;
        this.pageCounts = pageCounts;
        this.rows = rows;
        this.process = process;
    }

    Path db() {
        return dir.resolve("app.db");
    }

    Path wal() {
        return dir.resolve("app.db-wal");
    }

    Path shm() {
        return dir.resolve("app.db-shm");
    }

    /** Runs writer.py and waits for it to exit (it exits without checkpointing, leaving the WAL). */
    static PyWal write(Path dir, int pageSize, int txns, int rowsPerTxn, int blobBytes, boolean uncommitted)
            throws IOException, InterruptedException {
        PyWal w = start(dir, pageSize, txns, rowsPerTxn, blobBytes, uncommitted, false);
        if (!w.process.waitFor(60, TimeUnit.SECONDS) || w.process.exitValue() != 0) {
            throw new IOException("writer.py failed: " + new String(w.process.getErrorStream().readAllBytes()));
        }
        return w;
    }

    /** Like {@link #write} but the python process stays alive, holding its connection, until close(). */
    static PyWal writeAndWait(Path dir, int pageSize, int txns, int rowsPerTxn, int blobBytes)
            throws IOException {
        return start(dir, pageSize, txns, rowsPerTxn, blobBytes, false, true);
    }

    private static PyWal start(Path dir, int pageSize, int txns, int rowsPerTxn, int blobBytes,
            boolean uncommitted, boolean wait) throws IOException {
        Path script = dir.resolve("writer.py");
        try (InputStream in = PyWal.class.getResourceAsStream("/wal/writer.py")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        Process p = new ProcessBuilder("python3", script.toString(), dir.toString(), "" + pageSize, "" + txns,
                "" + rowsPerTxn, "" + blobBytes, uncommitted ? "1" : "0", wait ? "1" : "0").start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String counts = out.readLine();
        String rows = out.readLine();
        if (counts == null || rows == null || !counts.startsWith("counts ")) {
            p.destroyForcibly();
            throw new IOException("writer.py failed: " + new String(p.getErrorStream().readAllBytes()));
        }
        List<Integer> pc = new ArrayList<>();
        Arrays.stream(counts.substring(7).split(" ")).forEach(s -> pc.add(Integer.parseInt(s)));
        return new PyWal(dir, pc, Long.parseLong(rows.substring(5)), p);
    }

    /** Runs one SQL statement with python's sqlite3 on {@code db} and returns the first column of each row. */
    static List<String> query(Path db, String sql) throws IOException, InterruptedException {
        String code = "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\n"
                + "for r in c.execute(sys.argv[2]): print(r[0])\nc.close()\n";
        Process p = new ProcessBuilder("python3", "-c", code, db.toString(), sql).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("python query failed: " + err);
        }
        return out.lines().toList();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (process.isAlive()) {
            try (OutputStream o = process.getOutputStream()) {
                o.write('\n');
            } catch (IOException ignored) {
                // already gone
            }
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
