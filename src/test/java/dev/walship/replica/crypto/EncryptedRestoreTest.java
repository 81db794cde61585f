package dev.walship.replica.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.replica.ReplicaClient;
import dev.walship.replica.file.FileReplica;
import dev.walship.restore.RestorePlan;
import dev.walship.restore.RestorePlanner;
import dev.walship.restore.RestoreResult;
import dev.walship.restore.RestoreTarget;
import dev.walship.restore.Restorer;
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
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real SQLite database (made by python3) replicated through {@link EncryptingReplica} into a
 * {@link FileReplica}, then restored with {@link Restorer}: byte-identical with the key, refused without it.
 */
class EncryptedRestoreTest {
    static final int PAGE = 4096;
    static final long BASE = 1_780_000_000_000L;
    static final String MARKER = "walship-cleartext-canary";

    @TempDir Path tmp;
    FileReplica inner;
    byte[] key;
    byte[] image1;
    byte[] image2;
    Path out;

    @BeforeEach
    void replicate() throws Exception {
        Path db = tmp.resolve("source.db");
        image1 = commit(db, "PRAGMA page_size=" + PAGE + "; PRAGMA journal_mode=DELETE;"
                + " CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);"
                + " INSERT INTO t(v) SELECT '" + MARKER + "-' || hex(randomblob(50)) FROM"
                + " (WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 400) SELECT i FROM s);");
        image2 = commit(db, "INSERT INTO t(v) SELECT '" + MARKER + "-two-' || hex(randomblob(80)) FROM"
                + " (WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300) SELECT i FROM s);"
                + " DELETE FROM t WHERE id % 5 = 0;");
        assertTrue(new String(image1, StandardCharsets.ISO_8859_1).contains(MARKER), "the source holds the marker");

        inner = new FileReplica(tmp.resolve("replica"));
        key = new byte[32];
        new Random(5).nextBytes(key);
        try (ReplicaClient enc = EncryptingReplica.forReplication(inner, key)) {
            upload(enc, SegmentHeader.snapshot(false, PAGE, 1, time(1)), 1, image1);
            upload(enc, SegmentHeader.segment(0, true, PAGE, 2, 2, time(2), time(2)), 2, image2);
        }
        out = Files.createDirectories(tmp.resolve("out")).resolve("restored.db");
    }

    static long time(long txid) {
        return BASE + txid * 1000;
    }

    static byte[] commit(Path db, String sql) throws Exception {
        Process p = new ProcessBuilder("python3", "-c",
                "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nc.executescript(sys.argv[2])\nc.commit()\nc.close()",
                db.toString(), sql).redirectErrorStream(true).start();
        String msg = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "python3 sqlite3 failed: " + msg);
        return Files.readAllBytes(db);
    }

    /** One record holding every page of {@code image} (valid for a snapshot and for an L0 segment). */
    void upload(ReplicaClient enc, SegmentHeader h, long txid, byte[] image) throws IOException {
        int n = image.length / PAGE;
        DbChecksum sum = new DbChecksum(PAGE);
        sum.resize(n);
        for (int p = 1; p <= n; p++) sum.setPage(p, image, (p - 1) * PAGE);
        Path local = tmp.resolve("spool-" + txid);
        try (OutputStream o = Files.newOutputStream(local); SegmentWriter w = SegmentWriter.create(o, h)) {
            w.beginTxn(new TxnHeader(txid, time(txid), n, n));
            for (int p = 1; p <= n; p++) w.page(p, image, (p - 1) * PAGE);
            w.endTxn(sum.value());
            w.finish();
        }
        if (txid == 1) {
            assertTrue(new String(Files.readAllBytes(local), StandardCharsets.ISO_8859_1).contains(MARKER),
                    "the plaintext snapshot shows the marker");
        }
        enc.upload(h.toFileInfo(Files.size(local)), local);
        Files.delete(local);
    }

    RestoreResult restore(ReplicaClient client, RestoreTarget target) throws IOException {
        RestorePlan plan = RestorePlanner.plan(client.url(), client.listFiles(), target, time(100));
        Restorer.Options o = new Restorer.Options(out, true, Restorer.IntegrityCheck.FULL, null);
        return Restorer.restore(client, plan, o.withDownloads(new Restorer.Downloads(2, 1, Duration.ZERO)));
    }

    @Test
    void restoresByteIdenticalWithTheKey() throws IOException {
        try (ReplicaClient c = EncryptingReplica.forRestore(inner, key)) {
            RestoreResult r = restore(c, new RestoreTarget.Latest());
            assertEquals(2, r.txid());
            assertArrayEquals(image2, Files.readAllBytes(out));
            r = restore(c, new RestoreTarget.AtTxid(1));
            assertEquals(1, r.txid());
            assertArrayEquals(image1, Files.readAllBytes(out));
        }
        // the default download settings (parallel, resumable) work through the decorator too
        try (ReplicaClient c = EncryptingReplica.forRestore(inner, key)) {
            RestorePlan plan = RestorePlanner.plan(c.url(), c.listFiles(), new RestoreTarget.Latest(), time(100));
            Restorer.restore(c, plan, new Restorer.Options(out, true, Restorer.IntegrityCheck.QUICK, null));
            assertArrayEquals(image2, Files.readAllBytes(out));
        }
    }

    @Test
    void theReplicaShowsNoPlaintext() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(inner.root())) {
            files = s.filter(Files::isRegularFile).toList();
        }
        int data = 0;
        for (Path p : files) {
            String content = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
            assertFalse(content.contains("walship-cleartext"), p + " shows the plaintext");
            assertFalse(content.contains("SQLite format 3"), p + " shows the database header");
            if (p.toString().endsWith(".snap") || p.toString().endsWith(".seg")) data++;
        }
        assertEquals(2, data);
        assertTrue(EncryptingReplica.isEncrypted(inner));
    }

    @Test
    void withoutTheKeyOrWithAnotherOneTheRestoreIsRefused() throws IOException {
        var e = assertThrows(IOException.class, () -> EncryptingReplica.forRestore(inner, null));
        assertEquals("replica " + inner.url() + " is encrypted: pass --encryption-key-file", e.getMessage());
        byte[] wrong = new byte[32];
        new Random(6).nextBytes(wrong);
        e = assertThrows(IOException.class, () -> EncryptingReplica.forRestore(inner, wrong));
        assertTrue(e.getMessage().contains("different key (key check mismatch)"), e.getMessage());

        // skipping the manifest check still cannot produce a database
        try (ReplicaClient c = EncryptingReplica.wrap(inner, wrong)) {
            e = assertThrows(IOException.class, () -> restore(c, new RestoreTarget.Latest()));
            assertTrue(String.valueOf(e.getMessage()).contains("authentication failed (wrong key or corrupt object)")
                    || (e.getCause() != null && e.getCause().getMessage().contains("authentication failed")),
                    e.toString());
        }
        e = assertThrows(IOException.class, () -> restore(inner, new RestoreTarget.Latest()));
        assertFalse(Files.exists(out), "no output was published");
        try (Stream<Path> s = Files.list(out.getParent())) {
            assertEquals(List.of(), s.toList(), "no temp file left behind");
        }
    }

    @Test
    void aTamperedSegmentStopsTheRestore() throws IOException {
        FileInfo seg = FileInfo.parse(inner.listFiles().stream().filter(f -> !f.isSnapshot()).findFirst()
                .orElseThrow().name(), -1).orElseThrow();
        Path p = inner.root().resolve(seg.name());
        byte[] b = Files.readAllBytes(p);
        b[b.length / 2] ^= 4;
        Files.write(p, b);
        try (ReplicaClient c = EncryptingReplica.forRestore(inner, key)) {
            var e = assertThrows(IOException.class, () -> restore(c, new RestoreTarget.Latest()));
            String all = e + " / " + e.getCause();
            assertTrue(all.contains(seg.name()) && all.contains("authentication failed"), all);
            // the snapshot alone is still fine
            restore(c, new RestoreTarget.AtTxid(1));
            assertArrayEquals(image1, Files.readAllBytes(out));
        }
    }
}
