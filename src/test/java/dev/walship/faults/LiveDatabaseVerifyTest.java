package dev.walship.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.walship.e2e.E2E;
import dev.walship.e2e.RestoreCheck;
import dev.walship.e2e.WalshipProcess;
import dev.walship.e2e.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code walship verify --db} against a real sidecar while the app (python3's SQLite) keeps committing and
 * checkpointing: the live database, read in a read transaction, is found equal to a replica state each time.
 */
@Timeout(120)
class LiveDatabaseVerifyTest {
    @TempDir
    Path dir;

    @Test
    void theLiveDatabaseUnderLoadEqualsAReplicaState() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica");
        Path stop = dir.resolve("stop");
        try (Writer w = new Writer(db)) {
            w.run("--count", "1");
            w.start("--stop-file", stop.toString(), "--sleep-ms", "20", "--checkpoint-every", "40",
                    "--checkpoint-mode", "PASSIVE,TRUNCATE,RESTART");
            try (WalshipProcess ws = WalshipProcess.start(db, replica).awaitReplicating(60_000)) {
                List<Long> compared = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    E2E.sleep(700);
                    RestoreCheck.Result r = RestoreCheck.cli("verify", "--replica", replica.toString(), "--db",
                            db.toString(), "--wait", "20s", "--integrity-check", "quick", "--json");
                    assertEquals(0, r.code(), () -> r + "\n" + E2E.tail(ws.log, 20));
                    JsonNode j = new ObjectMapper().readTree(r.out());
                    assertEquals("ok", j.path("outcome").asText(), r::toString);
                    compared.add(j.path("comparedTxid").asLong());
                }
                assertTrue(w.isAlive(), "the app kept writing throughout");
                for (int i = 1; i < compared.size(); i++) {
                    assertTrue(compared.get(i) > compared.get(i - 1), "later checks compare later states: " + compared);
                }
                Files.createFile(stop);
                w.await(30_000);
            }
        }
    }
}
