package dev.walship.segment;

import com.dynatrace.hash4j.hashing.Hasher64;
import com.dynatrace.hash4j.hashing.Hashing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The whole-database checksum of docs/FORMAT.md, kept up to date page by page with one 8-byte hash per page so
 * that replacing a page never needs the old image; not thread-safe.
 */
public final class DbChecksum {

    private static final Hasher64 XXH3 = Hashing.xxh3_64();
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final byte[] FILE_MAGIC = "WSDBSUM\0".getBytes(StandardCharsets.US_ASCII);
    private static final int FILE_VERSION = 1;
    private static final int FILE_HEADER = 8 + 2 + 2 + 4 + 4 + 8;

    private final int pageSize;
    private final long zeroImageHash; // XXH3 of an all-zero page: what every page not yet written holds
    private long[] hashes;             // pageHash of page pgno at index pgno - 1
    private int dbSize;
    private long value;

    /** The checksum of an empty database (no pages) with the given page size. */
    public DbChecksum(int pageSize) {
        if (!SegmentHeader.isValidPageSize(pageSize)) {
            throw new IllegalArgumentException("db checksum: page size " + pageSize + " is not a power of two in "
                    + SegmentHeader.MIN_PAGE_SIZE + ".." + SegmentHeader.MAX_PAGE_SIZE);
        }
        this.pageSize = pageSize;
        this.zeroImageHash = XXH3.hashBytesToLong(new byte[pageSize], 0, pageSize);
        this.hashes = new long[16];
    }

    private DbChecksum(DbChecksum o) {
        pageSize = o.pageSize;
        zeroImageHash = o.zeroImageHash;
        hashes = Arrays.copyOf(o.hashes, Math.max(o.dbSize, 16));
        dbSize = o.dbSize;
        value = o.value;
    }

    /** pageHash(pgno, image) of docs/FORMAT.md for the {@code len} bytes of {@code b} at {@code off}. */
    public static long pageHash(int pgno, byte[] b, int off, int len) {
        return mix(XXH3.hashBytesToLong(b, off, len), pgno);
    }

    private static long mix(long imageHash, int pgno) {
        long z = imageHash + Integer.toUnsignedLong(pgno) * GOLDEN;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Sets the database size: new pages count as zero-filled, pages above the new size cease to exist. */
    public void resize(int newSize) {
        if (newSize < 0) throw new IllegalArgumentException("db checksum: negative database size " + newSize);
        if (newSize > hashes.length) {
            hashes = Arrays.copyOf(hashes, Math.max(newSize, (int) Math.min(Integer.MAX_VALUE - 8, 2L * hashes.length)));
        }
        for (int p = dbSize + 1; p <= newSize; p++) {
            hashes[p - 1] = mix(zeroImageHash, p);
            value += hashes[p - 1];
        }
        for (int p = newSize + 1; p <= dbSize; p++) value -= hashes[p - 1];
        dbSize = newSize;
    }

    /** Replaces page {@code pgno} (1..dbSize) with the pageSize bytes of {@code b} at {@code off}. */
    public void setPage(int pgno, byte[] b, int off) {
        if (pgno < 1 || pgno > dbSize) {
            throw new IllegalArgumentException("db checksum: page " + pgno + " is outside the database size 1.." + dbSize);
        }
        long h = pageHash(pgno, b, off, pageSize);
        value += h - hashes[pgno - 1];
        hashes[pgno - 1] = h;
    }

    public long value() {
        return value;
    }

    public int dbSize() {
        return dbSize;
    }

    public int pageSize() {
        return pageSize;
    }

    public DbChecksum copy() {
        return new DbChecksum(this);
    }

    /** Computes the checksum of a whole database file by streaming it page by page. */
    public static DbChecksum ofFile(Path dbFile, int pageSize) throws IOException {
        DbChecksum c = new DbChecksum(pageSize);
        long size = Files.size(dbFile);
        if (size % pageSize != 0 || size / pageSize > Integer.MAX_VALUE) {
            throw new IOException("checksum " + dbFile + ": size " + size + " is not a whole number of "
                    + pageSize + "-byte pages");
        }
        c.resize((int) (size / pageSize));
        byte[] page = new byte[pageSize];
        try (InputStream in = Files.newInputStream(dbFile)) {
            for (int p = 1; p <= c.dbSize; p++) {
                if (in.readNBytes(page, 0, pageSize) != pageSize) {
                    throw new IOException("checksum " + dbFile + ": file shrank while reading page " + p);
                }
                c.setPage(p, page, 0);
            }
        }
        return c;
    }

    /** Writes the state durably: temp file, fsync, atomic rename, fsync of the directory. */
    public void save(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            CheckedOutputStream crc = new CheckedOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch), 64 * 1024),
                    new CRC32C());
            DataOutputStream out = new DataOutputStream(crc);
            out.write(FILE_MAGIC);
            out.writeShort(FILE_VERSION);
            out.writeShort(0);
            out.writeInt(pageSize);
            out.writeInt(dbSize);
            out.writeLong(value);
            for (int i = 0; i < dbSize; i++) out.writeLong(hashes[i]);
            out.writeInt((int) crc.getChecksum().getValue());
            out.flush(); // not close: the channel is closed (after force) by the try block
            ch.force(true);
        } catch (IOException e) {
            throw new IOException("save checksum state " + file + ": writing " + tmp + " failed: " + e.getMessage(), e);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        // without this the rename itself may be lost on power failure
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** Reads a state written by {@link #save}, verifying its CRC and that its stored sum matches its hashes. */
    public static DbChecksum load(Path file) throws IOException {
        String src = file.toString();
        long size = Files.size(file);
        try (InputStream raw = Files.newInputStream(file)) {
            CheckedInputStream crc = new CheckedInputStream(new BufferedInputStream(raw, 64 * 1024), new CRC32C());
            DataInputStream in = new DataInputStream(crc);
            byte[] magic = new byte[8];
            in.readFully(magic);
            if (!Arrays.equals(magic, FILE_MAGIC)) throw new CorruptFileException(src, "not a checksum state file");
            int version = in.readUnsignedShort();
            if (version > FILE_VERSION) throw new UnsupportedFormatException(src, version, "checksum state file");
            if (version < 1) throw new CorruptFileException(src, "version 0");
            in.readUnsignedShort();
            int pageSize = in.readInt();
            int dbSize = in.readInt();
            long value = in.readLong();
            // check the size the file must have before allocating anything from the stored page count
            if (!SegmentHeader.isValidPageSize(pageSize) || dbSize < 0 || size != FILE_HEADER + 8L * dbSize + 4) {
                throw new CorruptFileException(src, "header (page size " + pageSize + ", " + dbSize
                        + " pages) does not match the file size " + size);
            }
            DbChecksum c = new DbChecksum(pageSize);
            c.hashes = new long[Math.max(dbSize, 16)];
            long sum = 0;
            for (int i = 0; i < dbSize; i++) sum += c.hashes[i] = in.readLong();
            int expected = (int) crc.getChecksum().getValue();
            if (in.readInt() != expected) throw new CorruptFileException(src, "CRC32C mismatch");
            if (sum != value) throw new CorruptFileException(src, "stored sum does not match the page hashes");
            c.dbSize = dbSize;
            c.value = value;
            return c;
        } catch (EOFException e) {
            throw new CorruptFileException(src, "file ends early", e);
        }
    }
}
