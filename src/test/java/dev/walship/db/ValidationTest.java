package dev.walship.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.config.ConfigLoader;
import dev.walship.config.SidecarConfig;
import dev.walship.e2e.E2E;
import dev.walship.replica.ReplicaSync;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** validation-interval: each replica is restored and compared with the live database; a damaged replica is reported. */
class ValidationTest {
    @TempDir
    Path dir;

    @Test
    void aHealthyReplicaValidatesAndABitFlipIsReportedNamingTheObject() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica");
        E2E.run(30, "python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('pragma journal_mode=wal');"
                + " c.execute('create table t(id integer primary key, v text)');"
                + " c.executemany('insert into t(v) values(?)', [('x' * 100,) for i in range(3000)]); c.commit()", db.toString());
        SidecarConfig cfg = ConfigLoader.fromFlags(db, List.of(replica.toString()),
                Map.of("sync-interval", "100ms", "validation-interval", "1s", "admin-listen", "off"));
        Sidecar sidecar = new Sidecar(cfg, Clock.systemUTC());
        sidecar.start();
        try {
            ReplicaSync rs = awaitReplica(sidecar);
            ReplicaSync.Validation ok = await(rs, v -> v != null && v.ok(), 30_000);
            assertTrue(ok.txid() >= 1);
            long tmpFiles;
            try (Stream<Path> s = Files.list(dir.resolve(".app.db-walship").resolve("tmp"))) {
                tmpFiles = s.filter(p -> p.getFileName().toString().contains(".validate.db")).count();
            }
            assertEquals(0, tmpFiles, "the validation's temporary database is deleted");

            // flip one byte in the middle of the only snapshot: every restore chain starts there
            Path snap;
            try (Stream<Path> s = Files.list(replica.resolve("snapshots"))) {
                snap = s.findFirst().orElseThrow();
            }
            try (RandomAccessFile f = new RandomAccessFile(snap.toFile(), "rw")) {
                long at = f.length() / 2;
                f.seek(at);
                int b = f.read();
                f.seek(at);
                f.write(b ^ 0x10);
            }
            ReplicaSync.Validation bad = await(rs, v -> v != null && !v.ok(), 30_000);
            assertTrue(bad.detail().contains(snap.getFileName().toString()), bad.detail());
            assertTrue(rs.validationFailures.get() >= 1);
            assertFalse(bad.detail().contains("\n"));
        } finally {
            sidecar.stop();
            sidecar.await();
        }
    }

    private static ReplicaSync awaitReplica(Sidecar sidecar) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            if (!sidecar.runners().isEmpty() && sidecar.runners().get(0).phase() == Sidecar.Phase.REPLICATING) {
                return sidecar.runners().get(0).replicas().get(0);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("sidecar did not start replicating");
    }

    private static ReplicaSync.Validation await(ReplicaSync rs, Predicate<ReplicaSync.Validation> p, long millis)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            ReplicaSync.Validation v = rs.lastValidation();
            if (p.test(v)) return v;
            Thread.sleep(50);
        }
        throw new AssertionError("no matching validation within " + millis + " ms; last: " + rs.lastValidation());
    }
}
