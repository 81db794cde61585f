package dev.walship.replica.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.walship.replica.ReplicaClient;
import dev.walship.replica.file.FileReplica;
import dev.walship.segment.FileInfo;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncryptingReplicaTest {
    static final int C = EncryptingReplica.CHUNK_SIZE;
    static final int H = Envelope.HEADER_SIZE;
    static final int SC = Envelope.STORED_CHUNK;

    @TempDir Path tmp;
    FileReplica plain;
    EncryptingReplica enc;
    byte[] key;

    @BeforeEach
    void setUp() {
        plain = new FileReplica(tmp.resolve("replica"));
        key = bytes(32, 99);
        enc = EncryptingReplica.wrap(plain, key);
    }

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static FileInfo l0(long a, long b) {
        return FileInfo.segment(0, a, b, 1000 * a, 1000 * b, -1);
    }

    FileInfo put(FileInfo f, byte[] content) throws IOException {
        Path p = tmp.resolve("local-" + f.maxTxid() + "-" + System.nanoTime());
        Files.write(p, content);
        enc.upload(f, p);
        Files.delete(p);
        return f;
    }

    Path stored(FileInfo f) {
        return plain.root().resolve(f.name());
    }

    static byte[] readAll(ReplicaClient c, FileInfo f) throws IOException {
        try (InputStream in = c.open(f)) {
            return in.readAllBytes();
        }
    }

    static byte[] readAll(ReplicaClient c, FileInfo f, long offset) throws IOException {
        try (InputStream in = c.open(f, offset)) {
            return in.readAllBytes();
        }
    }

    /** Reading the object must fail with a {@link DecryptionException} naming it, and nothing else. */
    DecryptionException refused(ReplicaClient c, FileInfo f, String why) {
        try {
            byte[] got = readAll(c, f);
            fail(why + ": read " + got.length + " bytes instead of failing");
            return null;
        } catch (DecryptionException e) {
            assertTrue(e.getMessage().startsWith("decrypt " + f.name() + " in " + plain.url() + ": "), e.getMessage());
            assertEquals(f.name(), e.object());
            return e;
        } catch (IOException | RuntimeException e) {
            throw new AssertionError(why + ": expected a DecryptionException, got " + e, e);
        }
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int pos = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, pos, p.length);
            pos += p.length;
        }
        return out;
    }

    // ---- sizes -----------------------------------------------------------------------------------------

    @Test
    void storedAndPlaintextSizesInvertExactly() {
        for (long p : new long[] {0, 1, 2, 15, 16, 17, C - 1, C, C + 1, 2L * C - 1, 2L * C, 2L * C + 1, 50L * C + 7,
                5L << 40}) {
            long s = EncryptingReplica.storedSize(p);
            assertEquals(H + p + 16 * Math.max(1, (p + C - 1) / C), s, "stored size of " + p);
            assertEquals(p, EncryptingReplica.plaintextSize(s), "plaintext size of " + s);
        }
        assertEquals(H + 16, EncryptingReplica.storedSize(0));
        for (long s : new long[] {0, 1, H, H + 15}) assertEquals(-1, EncryptingReplica.plaintextSize(s), "size " + s);
        long afterOne = EncryptingReplica.storedSize(C);
        for (long s = afterOne + 1; s <= afterOne + 16; s++) {
            assertEquals(-1, EncryptingReplica.plaintextSize(s), "no envelope is " + s + " bytes");
        }
        assertEquals(C + 1, EncryptingReplica.plaintextSize(afterOne + 17));
        assertThrows(IllegalArgumentException.class, () -> EncryptingReplica.storedSize(-1));
    }

    @Test
    void listingShowsPlaintextSizesAndUnknownForImpossibleStoredSizes() throws IOException {
        FileInfo a = put(l0(1, 1), bytes(C + 5, 1));
        FileInfo b = put(l0(2, 2), new byte[0]);
        assertEquals(EncryptingReplica.storedSize(C + 5), Files.size(stored(a)));
        plain.writeObject(l0(3, 3).name(), new byte[5]); // no envelope is 5 bytes long
        var listed = enc.listFiles().stream().collect(java.util.stream.Collectors.toMap(FileInfo::name, FileInfo::size));
        assertEquals(C + 5L, listed.get(a.name()));
        assertEquals(0L, listed.get(b.name()));
        assertEquals(-1L, listed.get(l0(3, 3).name()));
    }

    // ---- round trips -----------------------------------------------------------------------------------

    @Test
    void roundTripsAroundChunkBoundaries() throws IOException {
        int[] sizes = {0, 1, 16, C - 1, C, C + 1, 2 * C, 3 * C + 500};
        for (int i = 0; i < sizes.length; i++) {
            byte[] content = bytes(sizes[i], i);
            FileInfo f = put(l0(i + 1, i + 1), content);
            assertEquals(EncryptingReplica.storedSize(sizes[i]), Files.size(stored(f)), "size " + sizes[i]);
            assertArrayEquals(content, readAll(enc, f), "size " + sizes[i]);
        }
    }

    @Test
    void singleByteReadsAndSkipsWork() throws IOException {
        byte[] content = bytes(C + 300, 5);
        FileInfo f = put(l0(1, 1), content);
        try (InputStream in = enc.open(f)) {
            assertEquals(content[0] & 0xff, in.read());
            in.skipNBytes(C - 2);
            assertEquals(content[C - 1] & 0xff, in.read());
            assertEquals(content[C] & 0xff, in.read());
            assertEquals(299, in.readAllBytes().length);
            assertEquals(-1, in.read());
        }
    }

    @Test
    void storedBytesDoNotContainAKnownPlaintextMarker() throws IOException {
        byte[] marker = "walship-plaintext-marker-6f1d".getBytes(StandardCharsets.US_ASCII);
        byte[] content = new byte[2 * C + 1000];
        for (int i = 0; i + marker.length <= content.length; i += marker.length) {
            System.arraycopy(marker, 0, content, i, marker.length);
        }
        FileInfo f = put(FileInfo.snapshot(7, 7000, -1), content);
        byte[] s = Files.readAllBytes(stored(f));
        String latin = new String(s, StandardCharsets.ISO_8859_1);
        assertFalse(latin.contains("walship-plaintext"), "the marker is visible in the stored object");
        assertArrayEquals(content, readAll(enc, f));
    }

    @Test
    void theSameContentEncryptsDifferentlyEachTime() throws IOException {
        byte[] content = bytes(1000, 3);
        FileInfo a = put(l0(1, 1), content);
        byte[] first = Files.readAllBytes(stored(a));
        put(a, content);
        byte[] second = Files.readAllBytes(stored(a));
        assertEquals(first.length, second.length);
        assertFalse(Arrays.equals(first, 16, 48, second, 16, 48), "a fresh salt per upload");
        assertFalse(Arrays.equals(first, H, first.length, second, H, second.length));
        assertArrayEquals(content, readAll(enc, a));
    }

    // ---- open with offset ------------------------------------------------------------------------------

    @Test
    void openWithOffsetReturnsTheRightBytes() throws IOException {
        byte[] content = bytes(3 * C + 500, 8);
        FileInfo f = put(l0(1, 1), content);
        for (long off : new long[] {0, 1, 100, C - 1, C, C + 1, 2L * C, 2L * C + 17, 3L * C, 3L * C + 499,
                3L * C + 500}) {
            byte[] got = readAll(enc, f, off);
            assertArrayEquals(Arrays.copyOfRange(content, (int) off, content.length), got, "offset " + off);
        }
        assertThrows(EOFException.class, () -> readAll(enc, f, 3L * C + 501));
        assertThrows(EOFException.class, () -> readAll(enc, f, 4L * C));
        assertThrows(EOFException.class, () -> readAll(enc, f, 9L * C + 3));

        byte[] exact = bytes(2 * C, 9);
        FileInfo g = put(l0(2, 2), exact);
        assertArrayEquals(new byte[0], readAll(enc, g, 2L * C), "offset at the end of a chunk-aligned object");
        assertArrayEquals(Arrays.copyOfRange(exact, C, 2 * C), readAll(enc, g, C));
        assertThrows(EOFException.class, () -> readAll(enc, g, 2L * C + 1));

        byte[] small = bytes(50, 10);
        FileInfo s = put(l0(3, 3), small);
        assertArrayEquals(Arrays.copyOfRange(small, 49, 50), readAll(enc, s, 49));
        assertArrayEquals(new byte[0], readAll(enc, s, 50));
        assertThrows(EOFException.class, () -> readAll(enc, s, 51));
        FileInfo empty = put(l0(4, 4), new byte[0]);
        assertArrayEquals(new byte[0], readAll(enc, empty, 0));
        assertThrows(EOFException.class, () -> readAll(enc, empty, 1));
    }

    @Test
    void openWithOffsetStillVerifiesWhatItReads() throws IOException {
        byte[] content = bytes(3 * C + 500, 11);
        FileInfo f = put(l0(1, 1), content);
        Path p = stored(f);
        byte[] s = Files.readAllBytes(p);
        s[H + 2 * SC + 10] ^= 1; // inside chunk 2
        Files.write(p, s);
        assertThrows(DecryptionException.class, () -> readAll(enc, f, C + 5));
        assertArrayEquals(Arrays.copyOfRange(content, 5, C), Arrays.copyOf(readPrefix(f, 5, C - 5), C - 5),
                "chunk 0 is still readable on its own");
        // a truncation is noticed from an offset too: drop the final chunk
        Files.write(p, Arrays.copyOf(Files.readAllBytes(p), H + 2 * SC));
        assertThrows(DecryptionException.class, () -> readAll(enc, f, C + 5));
        assertThrows(DecryptionException.class, () -> readAll(enc, f, 2L * C));
        // a wrong key fails at open, before any chunk
        EncryptingReplica other = EncryptingReplica.wrap(plain, bytes(32, 1234));
        var e = assertThrows(DecryptionException.class, () -> other.open(f, C + 5).close());
        assertTrue(e.getMessage().contains("authentication failed (wrong key or corrupt object)"), e.getMessage());
    }

    private byte[] readPrefix(FileInfo f, long offset, int n) throws IOException {
        try (InputStream in = enc.open(f, offset)) {
            return in.readNBytes(n);
        }
    }

    // ---- refusals --------------------------------------------------------------------------------------

    @Test
    void wrongKeyIsAClearErrorThatShowsNoKeyMaterial() throws IOException {
        FileInfo f = put(l0(1, 3), bytes(5000, 12));
        byte[] wrong = bytes(32, 13);
        EncryptingReplica other = EncryptingReplica.wrap(plain, wrong);
        var e = assertThrows(DecryptionException.class, () -> other.open(f), "fails at open, before any read");
        assertEquals("decrypt " + f.name() + " in " + plain.url() + ": authentication failed (wrong key or corrupt"
                + " object): the key check in its header does not match this key; pass the key file the replica"
                + " was written with", e.getMessage());
        for (byte[] k : List.of(key, wrong)) {
            String hex = HexFormat.of().formatHex(k);
            assertFalse(e.getMessage().toLowerCase().contains(hex.substring(0, 8)), "key material in the message");
            assertFalse(e.getMessage().contains(java.util.Base64.getEncoder().encodeToString(k).substring(0, 8)));
        }
        assertFalse(other.toString().contains(HexFormat.of().formatHex(wrong).substring(0, 8)));
        assertArrayEquals(bytes(5000, 12), readAll(enc, f), "the right key still reads it");
    }

    @Test
    void everyFlippedBitOfASmallObjectIsRefused() throws IOException {
        FileInfo f = put(l0(1, 1), bytes(300, 14));
        Path p = stored(f);
        byte[] good = Files.readAllBytes(p);
        for (int i = 0; i < good.length; i++) {
            for (int bit : new int[] {0, 7}) {
                byte[] bad = good.clone();
                bad[i] ^= (byte) (1 << bit);
                Files.write(p, bad);
                refused(enc, f, "bit " + bit + " of byte " + i + " flipped");
            }
        }
        Files.write(p, good);
        assertArrayEquals(bytes(300, 14), readAll(enc, f));
    }

    @Test
    void flippedBytesInALargeObjectAreRefused() throws IOException {
        byte[] content = bytes(2 * C + 77, 15);
        FileInfo f = put(l0(1, 1), content);
        Path p = stored(f);
        byte[] good = Files.readAllBytes(p);
        int[] positions = {0, 7, 8, 12, 16, 47, 48, 63, H, H + 1, H + C - 1, H + C, H + SC - 1, H + SC,
                H + SC + C / 2, H + 2 * SC, good.length - 17, good.length - 16, good.length - 1};
        for (int pos : positions) {
            byte[] bad = good.clone();
            bad[pos] ^= 0x20;
            Files.write(p, bad);
            DecryptionException e = refused(enc, f, "byte " + pos + " flipped");
            if (pos >= H) {
                assertTrue(e.getMessage().contains("authentication failed (wrong key or corrupt object): chunk "
                        + (pos - H) / SC + " does not verify"), e.getMessage());
            }
        }
    }

    @Test
    void truncationsAtEveryLengthAreRefused() throws IOException {
        FileInfo f = put(l0(1, 1), bytes(200, 16));
        Path p = stored(f);
        byte[] good = Files.readAllBytes(p);
        for (int n = 0; n < good.length; n++) {
            Files.write(p, Arrays.copyOf(good, n));
            refused(enc, f, "truncated to " + n + " bytes");
        }
    }

    @Test
    void truncationAtAChunkBoundaryIsRefused() throws IOException {
        byte[] content = bytes(3 * C + 500, 17);
        FileInfo f = put(l0(1, 1), content);
        Path p = stored(f);
        byte[] good = Files.readAllBytes(p);
        for (int chunks = 1; chunks <= 3; chunks++) {
            Files.write(p, Arrays.copyOf(good, H + chunks * SC));
            var e = refused(enc, f, "cut after " + chunks + " whole chunks");
            assertTrue(e.getMessage().contains("chunk " + (chunks - 1) + " does not verify"), e.getMessage());
        }
        // a chunk-aligned object cut before its final chunk
        FileInfo g = put(l0(2, 2), bytes(2 * C, 18));
        Path q = stored(g);
        Files.write(q, Arrays.copyOf(Files.readAllBytes(q), H + SC));
        refused(enc, g, "chunk-aligned object cut after its first chunk");
    }

    @Test
    void appendedBytesAreRefused() throws IOException {
        FileInfo f = put(l0(1, 1), bytes(C + 10, 19));
        Path p = stored(f);
        byte[] good = Files.readAllBytes(p);
        Files.write(p, concat(good, new byte[1]));
        refused(enc, f, "one byte appended");
        Files.write(p, concat(good, Arrays.copyOfRange(good, H + SC, good.length)));
        refused(enc, f, "the final chunk repeated");
    }

    @Test
    void swappedDroppedAndRepeatedChunksAreRefused() throws IOException {
        byte[] content = bytes(3 * C + 500, 20);
        FileInfo f = put(l0(1, 1), content);
        Path p = stored(f);
        byte[] s = Files.readAllBytes(p);
        byte[] hdr = Arrays.copyOfRange(s, 0, H);
        byte[] c0 = Arrays.copyOfRange(s, H, H + SC);
        byte[] c1 = Arrays.copyOfRange(s, H + SC, H + 2 * SC);
        byte[] c2 = Arrays.copyOfRange(s, H + 2 * SC, H + 3 * SC);
        byte[] c3 = Arrays.copyOfRange(s, H + 3 * SC, s.length);
        assertArrayEquals(s, concat(hdr, c0, c1, c2, c3));

        Files.write(p, concat(hdr, c1, c0, c2, c3));
        refused(enc, f, "chunks 0 and 1 swapped");
        Files.write(p, concat(hdr, c0, c2, c1, c3));
        refused(enc, f, "chunks 1 and 2 swapped");
        Files.write(p, concat(hdr, c0, c2, c3));
        refused(enc, f, "chunk 1 dropped");
        Files.write(p, concat(hdr, c0, c1, c1, c2, c3));
        refused(enc, f, "chunk 1 repeated");
        Files.write(p, concat(hdr, c0, c1, c2, c3, c3));
        refused(enc, f, "final chunk repeated");

        // a chunk from another object under the same key, at the same index
        FileInfo g = put(l0(2, 2), bytes(3 * C + 500, 21));
        byte[] t = Files.readAllBytes(stored(g));
        Files.write(p, concat(hdr, c0, Arrays.copyOfRange(t, H + SC, H + 2 * SC), c2, c3));
        refused(enc, f, "chunk 1 taken from another object");
        // another object's header (its own salt) in front of this one's chunks
        Files.write(p, concat(Arrays.copyOfRange(t, 0, H), c0, c1, c2, c3));
        refused(enc, f, "header of another object");
        Files.write(p, s);
        assertArrayEquals(content, readAll(enc, f));
    }

    @Test
    void anObjectStoredUnderAnotherNameIsRefused() throws IOException {
        byte[] content = bytes(C + 3, 22);
        FileInfo f = put(l0(1, 2), content);
        FileInfo other = l0(3, 4);
        FileInfo snap = FileInfo.snapshot(2, 2000, -1);
        FileInfo l1 = FileInfo.segment(1, 1, 2, 1000, 2000, -1);
        for (FileInfo target : List.of(other, snap, l1)) {
            Files.createDirectories(stored(target).getParent());
            Files.copy(stored(f), stored(target));
            var e = refused(enc, target, "copied to " + target.name());
            assertTrue(e.getMessage().contains("chunk 0 does not verify"), e.getMessage());
        }
        Files.move(stored(f), stored(l0(1, 3)));
        refused(enc, l0(1, 3), "renamed");
    }

    @Test
    void unencryptedAndForeignObjectsAreRefusedClearly() throws IOException {
        FileInfo f = l0(1, 1);
        byte[] walshipFile = concat("WALSHIP\0".getBytes(StandardCharsets.ISO_8859_1), bytes(200, 23));
        plain.writeObject(f.name(), walshipFile);
        var e = refused(enc, f, "an unencrypted walship file");
        assertTrue(e.getMessage().contains("not an encrypted walship object (no WSENC header)"), e.getMessage());

        FileInfo g = put(l0(2, 2), bytes(100, 24));
        byte[] s = Files.readAllBytes(stored(g));
        s[7] = 2;
        Files.write(stored(g), s);
        e = refused(enc, g, "a newer envelope version");
        assertTrue(e.getMessage().contains("envelope version 2 was written by a newer walship; upgrade walship"),
                e.getMessage());
    }

    @Test
    void randomGarbageOnlyEverGivesDecryptionExceptions() throws IOException {
        Random rnd = new Random(25);
        FileInfo f = l0(1, 1);
        byte[] good = Files.readAllBytes(stored(put(f, bytes(3000, 26))));
        for (int i = 0; i < 300; i++) {
            byte[] bad;
            switch (i % 3) {
                case 0 -> bad = bytes(rnd.nextInt(5000), rnd.nextLong());
                case 1 -> { // a valid header, garbage after it
                    bad = concat(Arrays.copyOf(good, H), bytes(rnd.nextInt(3000), rnd.nextLong()));
                }
                default -> { // a few random byte changes
                    bad = good.clone();
                    for (int k = 0; k <= rnd.nextInt(4); k++) bad[rnd.nextInt(bad.length)] ^= (byte) (1 + rnd.nextInt(255));
                }
            }
            if (Arrays.equals(bad, good)) continue;
            plain.writeObject(f.name(), bad);
            refused(enc, f, "garbage " + i);
        }
    }

    // ---- everything else -------------------------------------------------------------------------------

    @Test
    void smallObjectsPassThroughUnencrypted() throws IOException {
        byte[] lease = "{\"owner\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        String v = enc.writeIf("lease.json", lease, null);
        assertArrayEquals(lease, plain.readObject("lease.json").orElseThrow());
        assertEquals(v, plain.readVersioned("lease.json").orElseThrow().version());
        enc.writeObject("walship-replica.json", "{\"format\":1}".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(plain.readObject("walship-replica.json").orElseThrow(),
                enc.readObject("walship-replica.json").orElseThrow());
        assertEquals(List.of(), enc.listFiles());
    }

    @Test
    void deletePassesThrough() throws IOException {
        FileInfo f = put(l0(1, 1), bytes(10, 27));
        enc.delete(List.of(f));
        assertFalse(Files.exists(stored(f)));
    }

    @Test
    void aFailedInnerUploadDeletesTheTempFile() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("spool"));
        Path local = dir.resolve("file.seg");
        Files.write(local, bytes(C + 1, 28));
        ReplicaClient failing = new ForwardingReplica(new FileReplica(tmp.resolve("r2"))) {
            @Override
            public void upload(FileInfo file, Path src) throws IOException {
                assertTrue(Files.exists(src) && src.getParent().equals(dir), "encrypts next to the local file");
                assertEquals(EncryptingReplica.storedSize(C + 1), Files.size(src));
                throw new IOException("network down");
            }
        };
        var e = assertThrows(IOException.class, () -> EncryptingReplica.wrap(failing, key).upload(l0(1, 1), local));
        assertEquals("network down", e.getMessage());
        try (var s = Files.list(dir)) {
            assertEquals(List.of(local), s.toList());
        }
    }

    @Test
    void closeClosesTheInnerClientAndWrapValidates() throws IOException {
        boolean[] closed = {false};
        ReplicaClient inner = new ForwardingReplica(new FileReplica(tmp.resolve("r3"))) {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        EncryptingReplica.wrap(inner, key).close();
        assertTrue(closed[0]);
        assertThrows(IllegalArgumentException.class, () -> EncryptingReplica.wrap(inner, new byte[16]));
        assertThrows(IllegalArgumentException.class, () -> EncryptingReplica.wrap(inner, null));
        assertThrows(IllegalArgumentException.class, () -> EncryptingReplica.wrap(null, key));
        // the wrapper keeps its own copy of the key
        byte[] k = bytes(32, 29);
        EncryptingReplica w = EncryptingReplica.wrap(plain, k);
        FileInfo f = l0(9, 9);
        Path local = tmp.resolve("x");
        Files.write(local, bytes(10, 30));
        w.upload(f, local);
        Arrays.fill(k, (byte) 0);
        assertArrayEquals(bytes(10, 30), readAll(w, f));
        assertNotEquals(0, EncryptingReplica.wrap(plain, bytes(32, 29)).listFiles().size());
    }
}
