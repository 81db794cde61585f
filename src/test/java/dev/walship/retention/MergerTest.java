package dev.walship.retention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.replica.file.FileReplica;
import dev.walship.segment.CorruptFileException;
import dev.walship.segment.DbChecksum;
import dev.walship.segment.FileInfo;
import dev.walship.segment.SegmentHeader;
import dev.walship.segment.SegmentReader;
import dev.walship.segment.SegmentWriter;
import dev.walship.segment.TxnHeader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MergerTest {

    private static final int PS = 512;

    @TempDir
    Path tmp;

    private FileReplica replica;

    @BeforeEach
    void setUp() {
        replica = new FileReplica(tmp.resolve("replica"));
    }

    /** One page entry / one record, as written. */
    record Page(int pgno, byte[] image) {}

    record Rec(long txid, long time, int dbSize, List<Page> pages, long checksum) {}

    /** A database as a restore builds it: pages 1..dbSize, unwritten ones zero, with its running checksum. */
    static final class Db {
        final Map<Integer, byte[]> pages = new HashMap<>();
        final DbChecksum sum = new DbChecksum(PS);
        int dbSize;

        /** Applies a record the way RecordApplier does: cut to the size, then write the pages. */
        void apply(int size, List<Page> written) {
            sum.resize(size);
            pages.keySet().removeIf(p -> p > size);
            dbSize = size;
            for (Page p : written) {
                pages.put(p.pgno(), p.image().clone());
                sum.setPage(p.pgno(), p.image(), 0);
            }
        }

        byte[] page(int pgno) {
            return pages.getOrDefault(pgno, new byte[PS]);
        }

        Db copy() {
            Db d = new Db();
            d.apply(0, List.of());
            d.sum.resize(dbSize);
            d.dbSize = dbSize;
            for (var e : pages.entrySet()) {
                d.pages.put(e.getKey(), e.getValue().clone());
                d.sum.setPage(e.getKey(), e.getValue(), 0);
            }
            return d;
        }

        void assertSame(Db o, String what) {
            assertEquals(dbSize, o.dbSize, what + ": database size");
            for (int p = 1; p <= dbSize; p++) assertArrayEquals(page(p), o.page(p), what + ": page " + p);
            assertEquals(sum.value(), o.sum.value(), what + ": checksum");
        }
    }

    private static byte[] image(Random r) {
        byte[] b = new byte[PS];
        r.nextBytes(b);
        return b;
    }

    private FileInfo write(SegmentHeader h, List<Rec> recs) throws IOException {
        Path local = tmp.resolve(UUID.randomUUID() + ".seg");
        try (OutputStream os = Files.newOutputStream(local); SegmentWriter w = SegmentWriter.create(os, h)) {
            for (Rec r : recs) {
                w.beginTxn(new TxnHeader(r.txid(), r.time(), r.dbSize(), r.pages().size()));
                for (Page p : r.pages()) w.page(p.pgno(), p.image(), 0);
                w.endTxn(r.checksum());
            }
            w.finish();
        }
        FileInfo info = h.toFileInfo(Files.size(local));
        replica.upload(info, local);
        return info;
    }

    /** A snapshot of {@code db} at txid/time. */
    private FileInfo snapshot(Db db, long txid, long time) throws IOException {
        List<Page> all = new ArrayList<>();
        for (int p = 1; p <= db.dbSize; p++) all.add(new Page(p, db.page(p)));
        return write(SegmentHeader.snapshot(true, PS, txid, time), List.of(new Rec(txid, time, db.dbSize, all, db.sum.value())));
    }

    /** An L0 file of the given records, applying them to {@code truth} to compute their checksums. */
    private FileInfo l0(Db truth, long firstTxid, List<int[]> sizesAndCounts, Random r, List<List<Page>> explicit)
            throws IOException {
        List<Rec> recs = new ArrayList<>();
        long txid = firstTxid;
        for (int i = 0; i < sizesAndCounts.size(); i++) {
            int size = sizesAndCounts.get(i)[0];
            List<Page> pages = explicit != null ? explicit.get(i) : new ArrayList<>();
            if (explicit == null) {
                for (int k = 0; k < sizesAndCounts.get(i)[1] && size > 0; k++) pages.add(new Page(1 + r.nextInt(size), image(r)));
            }
            truth.apply(size, pages);
            recs.add(new Rec(txid, 1000 * txid, size, pages, truth.sum.value()));
            txid++;
        }
        return write(SegmentHeader.segment(0, r.nextBoolean(), PS, firstTxid, txid - 1, 1000 * firstTxid,
                1000 * (txid - 1)), recs);
    }

    /** Reads a whole file and applies its records onto {@code db}, checking each stored checksum. */
    private List<TxnHeader> applyFile(Db db, FileInfo f) throws IOException {
        List<TxnHeader> headers = new ArrayList<>();
        try (InputStream in = replica.open(f); SegmentReader r = SegmentReader.open(in, f.name(), f)) {
            byte[] buf = new byte[PS];
            for (TxnHeader t = r.nextTxn(); t != null; t = r.nextTxn()) {
                List<Page> pages = new ArrayList<>();
                for (int i = 0; i < t.pageCount(); i++) {
                    int pgno = r.nextPage(buf);
                    pages.add(new Page(pgno, buf.clone()));
                }
                db.apply(t.dbSize(), pages);
                assertEquals(db.sum.value(), r.endTxn(), f.name() + " txid " + t.txid() + ": stored checksum");
                headers.add(t);
            }
        }
        return headers;
    }

    private FileInfo merge(int toLevel, List<FileInfo> inputs) throws IOException {
        Path scratch = tmp.resolve(UUID.randomUUID() + ".pages");
        Path out = tmp.resolve(UUID.randomUUID() + ".out");
        try {
            FileInfo info = Merger.merge(replica, new CompactionPlanner.Merge(toLevel, inputs), scratch, out);
            assertEquals(-1, info.size(), "returned without size");
            info = info.withSize(Files.size(out));
            replica.upload(info, out);
            return info;
        } finally {
            Files.deleteIfExists(scratch);
            Files.deleteIfExists(out);
        }
    }

    @Test
    void mergedFileHoldsTheLatestVersionOfEachPage() throws IOException {
        Random r = new Random(1);
        Db truth = new Db();
        List<Page> base = new ArrayList<>();
        for (int p = 1; p <= 5; p++) base.add(new Page(p, image(r)));
        truth.apply(5, base);
        FileInfo snap = snapshot(truth, 1, 1000);
        byte[] v1 = image(r);
        byte[] v2 = image(r);
        byte[] v3 = image(r);
        byte[] other = image(r);
        // txid 2 writes page 3 twice in one record (the later wins), txid 3 writes page 3 again, txid 4 page 5
        FileInfo a = l0(truth, 2, List.of(new int[] {5, 0}), r, List.of(List.of(new Page(3, v1), new Page(3, v2))));
        FileInfo b = l0(truth, 3, List.of(new int[] {5, 0}, new int[] {5, 0}), r,
                List.of(List.of(new Page(3, v3)), List.of(new Page(5, other))));
        FileInfo l1 = merge(1, List.of(a, b));
        assertEquals(FileInfo.segment(1, 2, 4, 2000, 4000, l1.size()), l1);
        assertEquals(List.of(l1), replica.listFiles().stream().filter(f -> f.level() == 1).toList());

        Db viaL1 = new Db();
        applyFile(viaL1, snap);
        List<TxnHeader> h = applyFile(viaL1, l1);
        assertEquals(List.of(new TxnHeader(4, 4000, 5, 2)), h, "one record at maxTxid with the two pages written");
        assertArrayEquals(v3, viaL1.page(3));
        assertArrayEquals(other, viaL1.page(5));
        truth.assertSame(viaL1, "snapshot + L1");
    }

    @Test
    void snapshotPlusMergedEqualsSnapshotPlusAllL0s() throws IOException {
        for (long seed = 0; seed < 40; seed++) {
            setUp();
            replica = new FileReplica(tmp.resolve("replica-" + seed));
            Random r = new Random(seed);
            Db truth = new Db();
            List<Page> base = new ArrayList<>();
            int size0 = 1 + r.nextInt(30);
            for (int p = 1; p <= size0; p++) base.add(new Page(p, image(r)));
            truth.apply(size0, base);
            FileInfo snap = snapshot(truth, 1, 1000);
            List<FileInfo> l0s = new ArrayList<>();
            long txid = 2;
            int size = size0;
            int files = 1 + r.nextInt(8);
            for (int f = 0; f < files; f++) {
                List<int[]> recs = new ArrayList<>();
                int n = 1 + r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    switch (r.nextInt(5)) {
                        case 0 -> size = r.nextInt(Math.max(1, size));           // shrink (maybe to 0)
                        case 1 -> size = size + 1 + r.nextInt(20);              // grow, mostly unwritten
                        default -> { }
                    }
                    recs.add(new int[] {size, r.nextInt(6)});
                }
                l0s.add(l0(truth, txid, recs, r, null));
                txid += n;
            }
            long lastChecksum = truth.sum.value();

            Db viaL0 = new Db();
            applyFile(viaL0, snap);
            for (FileInfo f : l0s) applyFile(viaL0, f);
            truth.assertSame(viaL0, "seed " + seed + " snapshot + L0s");

            FileInfo l1 = merge(1, l0s);
            Db viaL1 = new Db();
            applyFile(viaL1, snap);
            List<TxnHeader> h = applyFile(viaL1, l1);
            assertEquals(1, h.size());
            assertEquals(txid - 1, h.get(0).txid());
            truth.assertSame(viaL1, "seed " + seed + " snapshot + L1");
            assertEquals(lastChecksum, viaL1.sum.value(), "seed " + seed);
            assertEquals(lastChecksum, DbChecksumOf(viaL1), "seed " + seed + ": recomputed from the pages");

            // and one level up: split the L0s into two L1s, merge those into an L2
            if (l0s.size() >= 2) {
                int cut = 1 + r.nextInt(l0s.size() - 1);
                FileInfo l1a = merge(1, l0s.subList(0, cut));
                FileInfo l1b = merge(1, l0s.subList(cut, l0s.size()));
                Db viaTwo = new Db();
                applyFile(viaTwo, snap);
                applyFile(viaTwo, l1a);
                applyFile(viaTwo, l1b);
                truth.assertSame(viaTwo, "seed " + seed + " snapshot + 2 L1");
                FileInfo l2 = merge(2, List.of(l1a, l1b));
                assertEquals(2, l2.level());
                Db viaL2 = new Db();
                applyFile(viaL2, snap);
                applyFile(viaL2, l2);
                truth.assertSame(viaL2, "seed " + seed + " snapshot + L2");
            }
        }
    }

    private static long DbChecksumOf(Db db) {
        DbChecksum c = new DbChecksum(PS);
        c.resize(db.dbSize);
        for (int p = 1; p <= db.dbSize; p++) c.setPage(p, db.page(p), 0);
        return c.value();
    }

    @Test
    void shrinkThenGrowCarriesExplicitZeroPages() throws IOException {
        Random r = new Random(7);
        Db truth = new Db();
        List<Page> base = new ArrayList<>();
        for (int p = 1; p <= 30; p++) base.add(new Page(p, image(r)));
        truth.apply(30, base);
        FileInfo snap = snapshot(truth, 1, 1000);
        byte[] p1 = image(r);
        byte[] p2 = image(r);
        // txid 2: VACUUM to 10 pages; txid 3: grows to 20 writing only page 2 (11..20 must read as zeros)
        FileInfo a = l0(truth, 2, List.of(new int[] {10, 0}), r, List.of(List.of(new Page(1, p1))));
        FileInfo b = l0(truth, 3, List.of(new int[] {20, 0}), r, List.of(List.of(new Page(2, p2))));
        FileInfo l1 = merge(1, List.of(a, b));

        // what the merged record holds
        Map<Integer, byte[]> entries = new HashMap<>();
        try (InputStream in = replica.open(l1); SegmentReader rd = SegmentReader.open(in, l1.name(), l1)) {
            TxnHeader t = rd.nextTxn();
            assertEquals(20, t.dbSize());
            byte[] buf = new byte[PS];
            for (int i = 0; i < t.pageCount(); i++) {
                int pgno = rd.nextPage(buf);
                entries.put(pgno, buf.clone());
            }
            assertEquals(truth.sum.value(), rd.endTxn());
            assertNull(rd.nextTxn());
        }
        assertArrayEquals(p1, entries.get(1));
        assertArrayEquals(p2, entries.get(2));
        for (int p = 11; p <= 20; p++) {
            assertTrue(entries.containsKey(p), "explicit page " + p);
            assertArrayEquals(new byte[PS], entries.get(p), "page " + p + " is zero");
        }
        for (int p = 3; p <= 10; p++) assertFalse(entries.containsKey(p), "page " + p + " was not written");

        // applied onto the snapshot, which still holds old content at 11..20
        Db viaL1 = new Db();
        applyFile(viaL1, snap);
        assertFalse(Arrays.equals(new byte[PS], viaL1.page(15)));
        applyFile(viaL1, l1);
        truth.assertSame(viaL1, "snapshot + L1");
        for (int p = 11; p <= 20; p++) assertArrayEquals(new byte[PS], viaL1.page(p));
    }

    @Test
    void corruptInputFailsNamingTheFileAndWritesNoOutput() throws IOException {
        Random r = new Random(3);
        Db truth = new Db();
        truth.apply(4, List.of(new Page(1, image(r))));
        FileInfo a = l0(truth, 2, List.of(new int[] {4, 2}), r, null);
        FileInfo b = l0(truth, 3, List.of(new int[] {4, 2}, new int[] {6, 3}), r, null);
        Path onDisk = replica.root().resolve(b.name());
        byte[] bytes = Files.readAllBytes(onDisk);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(onDisk, bytes);

        Path scratch = tmp.resolve("scratch");
        Path out = tmp.resolve("out.seg");
        CorruptFileException e = assertThrows(CorruptFileException.class,
                () -> Merger.merge(replica, new CompactionPlanner.Merge(1, List.of(a, b)), scratch, out));
        assertTrue(e.getMessage().contains(b.name()), e.getMessage());
        assertTrue(e.source().contains(replica.url()), e.source());
        assertFalse(Files.exists(out), "no output file");

        // truncated (an upload cut short)
        Files.write(onDisk, Arrays.copyOf(bytes, bytes.length - 20));
        CorruptFileException t = assertThrows(CorruptFileException.class,
                () -> Merger.merge(replica, new CompactionPlanner.Merge(1, List.of(a, b)), scratch, out));
        assertTrue(t.getMessage().contains(b.name()), t.getMessage());
        assertFalse(Files.exists(out));
        // nothing was published into the replica either
        assertEquals(List.of(), replica.listFiles().stream().filter(f -> f.level() == 1).toList());
    }

    @Test
    void pageSizeChangeInsideAMergeIsRefused() throws IOException {
        Random r = new Random(4);
        Db truth = new Db();
        FileInfo a = l0(truth, 2, List.of(new int[] {2, 1}), r, null);
        byte[] big = new byte[1024];
        FileInfo b = write(SegmentHeader.segment(0, false, 1024, 3, 3, 3000, 3000),
                List.of(new Rec(3, 3000, 1, List.of(new Page(1, big)), 0)));
        Path out = tmp.resolve("out.seg");
        CorruptFileException e = assertThrows(CorruptFileException.class,
                () -> Merger.merge(replica, new CompactionPlanner.Merge(1, List.of(a, b)), tmp.resolve("s"), out));
        assertTrue(e.getMessage().contains(b.name()), e.getMessage());
        assertFalse(Files.exists(out));
    }
}
