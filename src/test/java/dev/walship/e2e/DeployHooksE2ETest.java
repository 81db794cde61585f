package dev.walship.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.walship.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deploy flow against a real sidecar process, with python3's SQLite as the app: pre-deploy label, a v2 migration
 * that destroys a column, post-rollback restore in place while the app keeps a connection open and reads, then the
 * safety snapshot, continued replication and the hooks' bad inputs.
 */
class DeployHooksE2ETest {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** What a {@code walship} command printed and returned. */
    record Cli(int exit, String out, String err) {
        JsonNode json() throws IOException {
            return JSON.readTree(out);
        }
    }

    private static Cli walship(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Cli(exit, out.toString().strip(), err.toString().strip());
    }

    private static void python(Path db, String code) throws Exception {
        E2E.run(60, "python3", "-c", "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\n" + code + "\nc.commit()\n", db.toString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void preDeployThenRollbackRestoresInPlaceSavesV2AndKeepsReplicating() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica");
        Path token = Files.writeString(dir.resolve("token"), TOKEN + "\n");
        python(db, "c.execute('pragma journal_mode=wal')\n"
                + "c.execute('create table items(id integer primary key, name text, note text)')\n"
                + "c.executemany('insert into items(name, note) values(?, ?)', [('v1-%d' % i, 'x' * 40) for i in range(500)])");
        int port = freePort();
        String admin = "http://127.0.0.1:" + port;
        try (WalshipProcess w = WalshipProcess.start(db, replica, "--admin-listen", "127.0.0.1:" + port,
                "--admin-token-file", token.toString()).awaitReplicating(30_000)) {
            String v1 = E2E.check(db).checksum();

            Cli pre = walship("hook", "pre-deploy", "--label", "v1.4.2", "--admin", admin, "--token-file", token.toString());
            assertEquals(0, pre.exit(), pre.err());
            JsonNode p = pre.json();
            assertEquals("v1.4.2", p.get("label").asText());
            assertTrue(p.get("replicas").get(0).get("durable").asBoolean(), pre.out());
            assertEquals(1, pre.out().lines().count(), "one JSON line");

            // v2: a migration that destroys a column, then some v2 writes
            python(db, "c.execute('alter table items drop column note')\n"
                    + "c.executemany('insert into items(name) values(?)', [('v2-%d' % i,) for i in range(300)])");
            String v2 = E2E.check(db).checksum();
            assertNotEquals(v1, v2);

            // the app keeps a connection open and reads throughout the rollback
            Path reads = dir.resolve("reads.txt");
            Path stop = dir.resolve("stop-reader");
            Process reader = new ProcessBuilder("python3", resource("reader.py"), db.toString(), reads.toString(),
                    stop.toString()).redirectErrorStream(true).start();
            E2E.sleep(300);
            Cli rb = walship("hook", "post-rollback", "--label", "v1.4.2", "--admin", admin, "--token-file", token.toString());
            E2E.sleep(300);
            Files.writeString(stop, "");
            assertTrue(reader.waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(0, rb.exit(), rb.err());
            JsonNode r = rb.json();

            // the live database is the pre-deploy state, checked by another SQLite build
            E2E.DbCheck now = E2E.check(db);
            assertEquals(v1, now.checksum(), "live database equals the pre-deploy state");
            assertEquals("ok", now.integrity());
            assertEquals(p.get("txid").asLong(), r.get("restored").get("txid").asLong());
            assertTrue(r.get("rolled_back").get("to_txid").asLong() > p.get("txid").asLong(), rb.out());
            String saved = r.get("saved_as").get("label").asText();
            assertTrue(saved.startsWith("pre-restore-"), saved);

            // the reader saw exactly two states, old then new, never a mix and never an error
            Set<String> states = new LinkedHashSet<>(Files.readAllLines(reads));
            assertEquals(List.of("800|id,name", "500|id,name,note"), new ArrayList<>(states), "reader states " + states);

            // the safety snapshot holds the v2 state
            Path savedCopy = dir.resolve("saved.db");
            Cli rs = walship("restore", "--replica", "file://" + replica, "-o", savedCopy.toString(), "--txid",
                    r.get("saved_as").get("txid").asText(), "-q");
            assertEquals(0, rs.exit(), rs.err());
            assertEquals(v2, E2E.check(savedCopy).checksum(), "the safety snapshot holds the v2 state");

            // replication continues from the restored state
            python(db, "c.executemany('insert into items(name, note) values(?, ?)', [('after-%d' % i, 'y') for i in range(20)])");
            String after = E2E.check(db).checksum();
            Path latest = dir.resolve("latest.db");
            long deadline = System.currentTimeMillis() + 20_000;
            String got = null;
            while (System.currentTimeMillis() < deadline && !after.equals(got)) {
                Files.deleteIfExists(latest);
                Cli l = walship("restore", "--replica", "file://" + replica, "-o", latest.toString(), "-q");
                got = l.exit() == 0 ? E2E.check(latest).checksum() : null;
                if (!after.equals(got)) E2E.sleep(200);
            }
            assertEquals(after, got, "a restore of the latest state includes the writes after the rollback");

            // the CLI restores by label too, and names the known labels for an unknown one
            Path byLabel = dir.resolve("by-label.db");
            Cli bl = walship("restore", "--replica", "file://" + replica, "-o", byLabel.toString(), "--label", "v1.4.2", "-q");
            assertEquals(0, bl.exit(), bl.err());
            assertEquals(v1, E2E.check(byLabel).checksum());
            Cli nl = walship("restore", "--replica", "file://" + replica, "-o", dir.resolve("x.db").toString(), "--label", "v7");
            assertEquals(2, nl.exit());
            assertTrue(nl.err().contains("has no label v7 (known: v1.4.2, " + saved), nl.err());

            // both labels are listed
            Cli list = walship("snapshots", "--replica", "file://" + replica, "--json");
            assertEquals(0, list.exit(), list.err());
            List<String> labels = new ArrayList<>();
            list.json().get("labels").forEach(n -> labels.add(n.get("label").asText()));
            assertEquals(List.of("v1.4.2", saved), labels);
        }
    }

    @Test
    void badInputIsRefusedAndChangesNothing() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica");
        Path token = Files.writeString(dir.resolve("token"), TOKEN);
        Path wrong = Files.writeString(dir.resolve("wrong"), "ffffffffffffffffffffffffffffffff");
        python(db, "c.execute('pragma journal_mode=wal')\nc.execute('create table items(id integer primary key, name text)')\n"
                + "c.executemany('insert into items(name) values(?)', [('a%d' % i,) for i in range(50)])");
        int port = freePort();
        String admin = "http://127.0.0.1:" + port;
        try (WalshipProcess w = WalshipProcess.start(db, replica, "--admin-listen", "127.0.0.1:" + port,
                "--admin-token-file", token.toString()).awaitReplicating(30_000)) {
            assertEquals(0, walship("hook", "pre-deploy", "--label", "v1", "--admin", admin, "--token-file", token.toString()).exit());
            python(db, "c.execute('delete from items where id > 10')");
            String before = E2E.check(db).checksum();

            Cli noToken = walship("hook", "post-rollback", "--label", "v1", "--admin", admin);
            assertEquals(2, noToken.exit());
            assertTrue(noToken.err().contains("HTTP 401") && noToken.err().contains("--token-file"), noToken.err());
            Cli badToken = walship("hook", "post-rollback", "--label", "v1", "--admin", admin, "--token-file", wrong.toString());
            assertEquals(2, badToken.exit());
            assertTrue(badToken.err().contains("HTTP 401"), badToken.err());
            assertFalse(badToken.err().contains("ffffffff"), "the token is never echoed");

            Cli unknown = walship("hook", "post-rollback", "--label", "v9", "--admin", admin, "--token-file", token.toString());
            assertEquals(2, unknown.exit());
            assertTrue(unknown.err().contains("HTTP 404") && unknown.err().contains("unknown label v9")
                    && unknown.err().contains("known: v1"), unknown.err());

            Cli outside = walship("hook", "post-rollback", "--to", "2000-01-01T00:00:00Z", "--admin", admin,
                    "--token-file", token.toString());
            assertEquals(2, outside.exit());
            assertTrue(outside.err().contains("HTTP 422"), outside.err());

            Cli badLabel = walship("hook", "pre-deploy", "--label", "../etc", "--admin", admin, "--token-file", token.toString());
            assertEquals(2, badLabel.exit());
            assertTrue(badLabel.err().contains("HTTP 400") && badLabel.err().contains("is not valid"), badLabel.err());

            assertEquals(before, E2E.check(db).checksum(), "no refused request changed the database");
            assertEquals(0, w.count("restored live database"), "no restore ran");
        }
        // the sidecar is gone: the hook says so and fails
        Cli down = walship("hook", "pre-deploy", "--label", "v2", "--admin", admin, "--token-file", token.toString());
        assertEquals(1, down.exit());
        assertTrue(down.err().contains("not reachable") && down.err().contains("walship replicate running"), down.err());
    }

    private static String resource(String name) throws Exception {
        return Path.of(DeployHooksE2ETest.class.getResource("/e2e/" + name).toURI()).toString();
    }
}
