package dev.walship.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.e2e.E2E;
import dev.walship.e2e.RestoreCheck;
import dev.walship.e2e.WalshipProcess;
import dev.walship.e2e.Writer;
import dev.walship.replica.file.FileReplica;
import dev.walship.restore.RestorePlanner;
import dev.walship.restore.RestoreTarget;
import dev.walship.segment.FileInfo;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One object of one replica returns garbage (a flipped bit). The restore refuses it and names the object;
 * given a second replica, it falls back to it and restores the right data; if every replica is damaged it
 * names each damaged object.
 */
@Timeout(120)
class RestoreFallbackFaultTest {
    @TempDir
    Path dir;

    @Test
    void aFlippedBitIsRefusedByNameAndTheNextReplicaIsUsed() throws Exception {
        Path db = dir.resolve("app.db");
        Path r1 = dir.resolve("replica1");
        Path r2 = dir.resolve("replica2");
        Writer w = new Writer(db).run("--count", "1");
        try (WalshipProcess ws = WalshipProcess.start(db, r1, "--replica", "file://" + r2).awaitReplicating(60_000)) {
            w.run("--count", "150", "--sleep-ms", "2");
            E2E.sleep(1_000);
            assertEquals(0, ws.term(), () -> E2E.tail(ws.log, 20));
        }
        String expected = w.last().checksum();

        FileInfo victim = newestOnLatestChain(r1);
        flip(r1.resolve(victim.name()));
        Path out = dir.resolve("out.db");

        RestoreCheck.Result alone = RestoreCheck.cli("restore", "--replica", r1.toString(), "-o", out.toString(), "-q");
        assertEquals(1, alone.code(), alone::toString);
        assertTrue(alone.err().contains(victim.name()), "names the object: " + alone);
        assertFalse(Files.exists(out), "nothing is handed over");

        RestoreCheck.Result both = RestoreCheck.cli("restore", "--replica", r1.toString(), "--replica", r2.toString(),
                "-o", out.toString(), "-q");
        assertEquals(0, both.code(), both::toString);
        assertTrue(both.err().contains(victim.name()) && both.err().contains("falling back to " + r2), both::toString);
        assertTrue(both.out().contains("of file://" + r2), "says which replica it used: " + both.out());
        E2E.DbCheck c = E2E.check(out);
        assertEquals("ok", c.integrity());
        assertEquals(expected, c.checksum(), "the fallback restore is the source's final state");

        // the snapshot of the second replica rots too: every replica fails, each failure is named
        FileInfo snap = new FileReplica(r2).listFiles().stream().filter(FileInfo::isSnapshot).findFirst().orElseThrow();
        flip(r2.resolve(snap.name()));
        Files.delete(out);
        RestoreCheck.Result none = RestoreCheck.cli("restore", "--replica", r1.toString(), "--replica", r2.toString(),
                "-o", out.toString(), "-q");
        assertEquals(1, none.code(), none::toString);
        assertTrue(none.err().contains("restore failed from every replica") && none.err().contains(victim.name())
                && none.err().contains(snap.name()), none::toString);
        assertFalse(Files.exists(out));

        // a mistake that is the same for every replica is not retried elsewhere
        Files.writeString(out, "x");
        RestoreCheck.Result exists = RestoreCheck.cli("restore", "--replica", r2.toString(), "--replica", r1.toString(),
                "-o", out.toString(), "-q");
        assertEquals(2, exists.code(), exists::toString);
        assertFalse(exists.err().contains("falling back"), exists::toString);
    }

    private static FileInfo newestOnLatestChain(Path root) throws Exception {
        List<FileInfo> files = new FileReplica(root).listFiles();
        List<FileInfo> chain = RestorePlanner.plan(files, new RestoreTarget.Latest(), System.currentTimeMillis()).files();
        return chain.get(chain.size() - 1);
    }

    private static void flip(Path file) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long at = ch.size() / 2;
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x01)).rewind();
            ch.write(b, at);
        }
    }
}
