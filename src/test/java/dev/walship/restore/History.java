package dev.walship.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.walship.replica.file.FileReplica;
import dev.walship.segment.DbChecksum;
import dev.walship.segment.FileInfo;
import dev.walship.segment.SegmentHeader;
import dev.walship.segment.SegmentWriter;
import dev.walship.segment.TxnHeader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Test fixture: a real SQLite database changed step by step through python3's sqlite3 module, with every
 * committed state kept as a page image (index = txid), and writers that turn those states into replica files.
 */
final class History {
    static final long BASE = 1_780_000_000_000L;

    final Path work;
    final FileReplica replica;
    final int pageSize;
    final List<byte[]> images = new ArrayList<>(List.of(new byte[0])); // txid 0: the empty database
    private final Path db;

    History(Path work, int pageSize) throws IOException {
        this.work = work;
        this.pageSize = pageSize;
        this.db = work.resolve("source.db");
        this.replica = new FileReplica(work.resolve("replica"));
    }

    static long time(long txid) {
        return BASE + txid * 1000;
    }

    /** Runs SQL against the source database as one commit; its result becomes the next txid. */
    long commit(String sql) throws Exception {
        String prelude = images.size() == 1 ? "PRAGMA page_size=" + pageSize + "; PRAGMA journal_mode=DELETE; " : "";
        var pb = new ProcessBuilder("python3", "-c",
                "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nc.executescript(sys.argv[2])\nc.commit()\nc.close()",
                db.toString(), prelude + sql).redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "python3 sqlite3 failed: " + out);
        images.add(Files.readAllBytes(db));
        return images.size() - 1;
    }

    /** Like {@link #commit} for several commits in one python3 process (each one still its own txid). */
    void commitAll(List<String> sqls) throws Exception {
        String prelude = images.size() == 1 ? "PRAGMA page_size=" + pageSize + "; PRAGMA journal_mode=DELETE; " : "";
        var cmd = new ArrayList<>(List.of("python3", "-c", "import sqlite3,sys,shutil\n"
                + "for i, sql in enumerate(sys.argv[2:]):\n"
                + "    c=sqlite3.connect(sys.argv[1]); c.executescript(sql); c.commit(); c.close()\n"
                + "    shutil.copyfile(sys.argv[1], sys.argv[1] + '.' + str(i))\n", db.toString()));
        for (int i = 0; i < sqls.size(); i++) cmd.add(i == 0 ? prelude + sqls.get(i) : sqls.get(i));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "python3 sqlite3 failed: " + out);
        for (int i = 0; i < sqls.size(); i++) {
            Path copy = db.resolveSibling(db.getFileName() + "." + i);
            images.add(Files.readAllBytes(copy));
            Files.delete(copy);
        }
    }

    /** Adds an arbitrary page image as the next txid (for states SQLite itself would never write). */
    long commitImage(byte[] image) {
        images.add(image.clone());
        return images.size() - 1;
    }

    int dbSize(long txid) {
        return images.get((int) txid).length / pageSize;
    }

    FileInfo snapshot(long txid) throws IOException {
        byte[] img = images.get((int) txid);
        SegmentHeader h = SegmentHeader.snapshot(false, pageSize, txid, time(txid));
        return write(h, w -> {
            int n = img.length / pageSize;
            w.beginTxn(new TxnHeader(txid, time(txid), n, n));
            for (int p = 1; p <= n; p++) w.page(p, img, (p - 1) * pageSize);
            w.endTxn(checksum(img));
        });
    }

    /** L0 holds one record per txid; higher levels one record with every page that differs from before a. */
    FileInfo segment(int level, long a, long b, boolean compressed) throws IOException {
        SegmentHeader h = SegmentHeader.segment(level, compressed, pageSize, a, b, time(a), time(b));
        return write(h, w -> {
            for (long x = level == 0 ? a : b; x <= b; x++) {
                byte[] before = images.get((int) (level == 0 ? x - 1 : a - 1));
                record(w, x, before, images.get((int) x), checksum(images.get((int) x)));
            }
        });
    }

    /** Writes the pages that changed from {@code before} to {@code after}; pages new past the old end only if not zero. */
    void record(SegmentWriter w, long txid, byte[] before, byte[] after, long checksum) throws IOException {
        var changed = new ArrayList<Integer>();
        int n = after.length / pageSize;
        for (int p = 1; p <= n; p++) {
            int off = (p - 1) * pageSize;
            boolean existed = off + pageSize <= before.length;
            boolean same = existed ? Arrays.equals(before, off, off + pageSize, after, off, off + pageSize)
                    : Arrays.equals(after, off, off + pageSize, new byte[pageSize], 0, pageSize);
            if (!same) changed.add(p);
        }
        w.beginTxn(new TxnHeader(txid, time(txid), n, changed.size()));
        for (int p : changed) w.page(p, after, (p - 1) * pageSize);
        w.endTxn(checksum);
    }

    long checksum(byte[] img) {
        DbChecksum c = new DbChecksum(pageSize);
        c.resize(img.length / pageSize);
        for (int p = 1; p <= img.length / pageSize; p++) c.setPage(p, img, (p - 1) * pageSize);
        return c.value();
    }

    interface Body {
        void write(SegmentWriter w) throws IOException;
    }

    FileInfo write(SegmentHeader h, Body body) throws IOException {
        Path local = Files.createTempFile(work, "seg", ".tmp");
        try (OutputStream out = Files.newOutputStream(local); SegmentWriter w = SegmentWriter.create(out, h)) {
            body.write(w);
            w.finish();
        }
        FileInfo f = h.toFileInfo(Files.size(local));
        replica.upload(f, local);
        Files.delete(local);
        return f;
    }

    Path pathOf(FileInfo f) {
        return replica.root().resolve(f.name());
    }
}
