package dev.walship.wal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** Small file helpers shared by the WAL tests. */
final class WalTestFiles {
    private WalTestFiles() {
    }

    static FileChannel open(Path p) throws IOException {
        return FileChannel.open(p, StandardOpenOption.READ);
    }

    static WalScan scanAll(Path wal) throws IOException {
        try (FileChannel ch = open(wal)) {
            return WalReader.scan(ch, WalPosition.start(WalReader.readHeader(ch, wal.toString())), wal.toString());
        }
    }

    static WalScan scanAll(byte[] wal, Path tmp) throws IOException {
        Path f = tmp.resolve("scan.wal");
        Files.write(f, wal);
        return scanAll(f);
    }

    /** Copies a classpath fixture (e.g. "bad-salt/wal") to {@code tmp}. */
    static Path fixture(Path tmp, String name) throws IOException {
        Path out = tmp.resolve(name.replace('/', '_'));
        try (InputStream in = WalTestFiles.class.getResourceAsStream("/wal/" + name)) {
            if (in == null) {
                throw new IOException("missing fixture " + name);
            }
            Files.copy(in, out);
        }
        return out;
    }

    /** Frame indexes and page numbers as delivered by readFrames, with copies of the pages. */
    record Delivered(List<Long> index, List<Integer> pgno, List<Integer> commit, List<byte[]> pages) {
        Delivered() {
            this(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        }

        FrameConsumer consumer() {
            return (i, p, c, page) -> {
                index.add(i);
                pgno.add(p);
                commit.add(c);
                pages.add(page.clone());
            };
        }
    }
}
