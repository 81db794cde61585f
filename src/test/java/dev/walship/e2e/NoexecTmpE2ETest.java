package dev.walship.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A temp directory mounted noexec (Docker's default --tmpfs) fails with one line that names it and the fix. */
class NoexecTmpE2ETest {
    @TempDir
    Path dir;

    @Test
    void aNoexecTempDirectoryIsNamedWithTheFix() throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("noexec"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "noexec,size=16m", "tmpfs", tmp.toString())
                .redirectErrorStream(true).start();
        Assumptions.assumeTrue(mount.waitFor(10, TimeUnit.SECONDS) && mount.exitValue() == 0,
                "needs root to mount a noexec tmpfs (CI runs as root)");
        try {
            List<String> cmd = E2E.javaCommand("-Djava.io.tmpdir=" + tmp);
            cmd.addAll(List.of("replicate", "--db", dir.resolve("app.db").toString(), "--replica", dir.resolve("r").toString(),
                    "--admin-listen", "off"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(1, p.exitValue(), out);
            assertEquals(1, out.strip().lines().count(), "one line, no stack traces:\n" + out);
            assertTrue(out.contains("cannot load SQLite's native library") && out.contains(tmp.toString())
                    && out.contains("--tmpfs /tmp:exec"), out);
        } finally {
            new ProcessBuilder("umount", tmp.toString()).start().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
