package dev.walship.db;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.segment.FileInfo;
import dev.walship.wal.WalPosition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {

    @TempDir
    Path tmp;

    private static Path publish(Spool spool, FileInfo info, String content) throws IOException {
        Path t = spool.newTemp(".part");
        Files.writeString(t, content);
        return spool.publish(t, info);
    }

    @Test
    void pendingIsOrderedByMaxTxidWithSnapshotsAfterSegmentsOfTheSameRange() throws IOException {
        Spool spool = new Spool(tmp.resolve("s"));
        FileInfo snap1 = FileInfo.snapshot(1, 10, -1);
        FileInfo seg2to5 = FileInfo.segment(0, 2, 5, 20, 50, -1);
        FileInfo snap5 = FileInfo.snapshot(5, 50, -1);
        FileInfo seg5to5 = FileInfo.segment(0, 5, 5, 50, 50, -1);   // same range as the snapshot, single txid
        FileInfo seg6to9 = FileInfo.segment(0, 6, 9, 60, 90, -1);
        FileInfo snap10 = FileInfo.snapshot(10, 100, -1);           // a break snapshot
        FileInfo seg11to300 = FileInfo.segment(0, 11, 0x300, 110, 3000, -1); // hex ordering, not lexical-by-digit
        for (FileInfo f : List.of(seg11to300, snap10, seg6to9, snap5, seg5to5, seg2to5, snap1)) {
            publish(spool, f, f.name());
        }
        List<Spool.Pending> p = spool.pending();
        assertEquals(List.of(snap1, seg2to5, seg5to5, snap5, seg6to9, snap10, seg11to300).stream().map(FileInfo::name).toList(),
                p.stream().map(x -> x.info().name()).toList());
        for (Spool.Pending x : p) {
            assertEquals(x.info().name().length(), x.info().size(), "size filled in from the file");
            assertEquals(x.info().name(), Files.readString(x.path()));
            assertEquals(spool.dir().resolve("pending"), x.path().getParent());
        }
        assertEquals(p.stream().mapToLong(x -> x.info().size()).sum(), spool.pendingBytes());

        spool.remove(p.get(0));
        spool.remove(p.get(0)); // twice is fine
        assertEquals(6, spool.pending().size());
        assertFalse(Files.exists(p.get(0).path()));
    }

    @Test
    void flattenAndParseAreInverse() throws IOException {
        Spool spool = new Spool(tmp.resolve("s"));
        for (FileInfo f : List.of(FileInfo.snapshot(0x1234, 0xabcdef, -1),
                FileInfo.segment(0, 1, 2, 3, 4, -1), FileInfo.segment(1, 1, 2, 3, 4, -1),
                FileInfo.segment(2, Long.MAX_VALUE - 1, Long.MAX_VALUE, 0, Long.MAX_VALUE, -1))) {
            String flat = Spool.flatten(f);
            assertFalse(flat.contains("/"), flat);
            assertEquals(f.name().replace('/', '_'), flat);
            assertEquals(Optional.of(f.withSize(0)), FileInfo.parse(flat.replaceFirst("_", "/"), 0));
            Path path = publish(spool, f, "");
            assertEquals(flat, path.getFileName().toString());
        }
        assertEquals(4, spool.pending().size());
    }

    @Test
    void unknownAndHiddenFilesInPendingAreIgnored() throws IOException {
        Spool spool = new Spool(tmp.resolve("s"));
        FileInfo f = FileInfo.segment(0, 1, 1, 1, 1, -1);
        publish(spool, f, "x");
        Files.writeString(spool.dir().resolve("pending").resolve("README"), "junk");
        Files.writeString(spool.dir().resolve("pending").resolve(".L0_x.tmp-12345678"), "junk");
        assertEquals(List.of(f.withSize(1)), spool.pending().stream().map(Spool.Pending::info).toList());
    }

    @Test
    void tmpIsClearedAtStartButPendingIsKept() throws IOException {
        Spool spool = new Spool(tmp.resolve("s"));
        FileInfo f = FileInfo.segment(0, 1, 1, 1, 1, -1);
        publish(spool, f, "kept");
        Path leftover = spool.newTemp(".seg");
        Files.writeString(leftover, "half written");
        Path other = spool.newTemp(".pages");
        Files.writeString(other, "scratch");
        assertEquals(spool.dir().resolve("tmp"), leftover.getParent());
        assertTrue(!leftover.equals(other), "temp names are unique");

        Spool again = new Spool(tmp.resolve("s"));
        assertFalse(Files.exists(leftover));
        assertFalse(Files.exists(other));
        try (Stream<Path> s = Files.list(again.dir().resolve("tmp"))) {
            assertEquals(0, s.count());
        }
        assertEquals(List.of(f.withSize(4)), again.pending().stream().map(Spool.Pending::info).toList());
    }

    @Test
    void publishMovesTheTempFileAway() throws IOException {
        Spool spool = new Spool(tmp.resolve("s"));
        Path t = spool.newTemp(".seg");
        Files.write(t, new byte[] {1, 2, 3});
        Path target = spool.publish(t, FileInfo.segment(0, 7, 8, 70, 80, -1));
        assertFalse(Files.exists(t));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
    }

    @Test
    void stateRoundTripsIncludingWalPosition() throws IOException {
        Spool spool = new Spool(tmp.resolve("s"));
        assertEquals(FollowerState.EMPTY, spool.loadState(), "no state yet");
        WalPosition pos = new WalPosition(0x12345678, -5, 7, 4096, 1234, 0x7fffffff, Integer.MIN_VALUE, true);
        FollowerState s = new FollowerState(pos, 987654321012L, 1_767_225_600_000L, "(dev=803,ino=1234567)", 987654321000L);
        spool.saveState(s);
        assertEquals(s, spool.loadState());
        assertEquals(s, new Spool(tmp.resolve("s")).loadState(), "survives a restart");

        FollowerState noPosition = new FollowerState(null, 5, 6, null, -1);
        spool.saveState(noPosition);
        assertEquals(noPosition, spool.loadState());
        FollowerState little = s.withPosition(new WalPosition(1, 2, 3, 65536, 0, 4, 5, false));
        spool.saveState(little);
        assertEquals(little, spool.loadState());
        try (Stream<Path> files = Files.list(spool.dir())) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".")), "no temp file left");
        }
    }

    @Test
    void corruptStateIsEmptyNotAnException() throws IOException {
        Spool spool = new Spool(tmp.resolve("s"));
        Path state = spool.dir().resolve("state.json");
        for (String bad : List.of("", "{", "not json at all", "{\"lastTxid\": \"many\"}",
                "{\"position\": {\"pageSize\": 3}}", "\u0000\u0001\u0002")) {
            Files.write(state, bad.getBytes(StandardCharsets.UTF_8));
            assertEquals(FollowerState.EMPTY, spool.loadState(), bad);
        }
    }

    @Test
    void directoriesAreCreatedPrivate() throws IOException {
        Path dir = tmp.resolve("parent/spool");
        Spool spool = new Spool(dir);
        for (Path d : List.of(dir, dir.resolve("pending"), dir.resolve("tmp"))) {
            assertTrue(Files.isDirectory(d), d.toString());
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)), d.toString());
        }
        assertEquals(dir.toAbsolutePath().normalize(), spool.dir());
    }

    @Test
    void unusableSpoolDirectoryNamesTheSettingToFix() throws IOException {
        Path file = tmp.resolve("a-file");
        Files.writeString(file, "x");
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> new Spool(file.resolve("spool")));
        assertTrue(e.getMessage().contains("spool-dir"), e.getMessage());
    }
}
