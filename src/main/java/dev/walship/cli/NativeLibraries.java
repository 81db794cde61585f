package dev.walship.cli;

/**
 * Loads the two native libraries walship needs (SQLite through sqlite-jdbc, zstd through zstd-jni) before any work,
 * so that a temp directory they cannot execute from fails with a line that says so. Both unpack their library into
 * {@code java.io.tmpdir} and load it from there; Docker's {@code --tmpfs /tmp} is mounted noexec by default, and the
 * loaders' own errors then read like a damaged database.
 */
final class NativeLibraries {
    private NativeLibraries() {}

    static void check() {
        String tmp = System.getProperty("org.sqlite.tmpdir", System.getProperty("java.io.tmpdir"));
        // The loader logs each failed attempt with a stack trace at ERROR; the one line below says it all.
        ch.qos.logback.classic.Logger loader = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.sqlite");
        ch.qos.logback.classic.Level level = loader.getLevel();
        loader.setLevel(ch.qos.logback.classic.Level.OFF);
        try {
            org.sqlite.SQLiteJDBCLoader.initialize();
        } catch (Exception | LinkageError e) {
            throw fail("SQLite", tmp, e);
        } finally {
            loader.setLevel(level);
        }
        try {
            com.github.luben.zstd.util.Native.load();
        } catch (LinkageError | RuntimeException e) {
            throw fail("zstd", System.getProperty("java.io.tmpdir"), e);
        }
    }

    private static CliException fail(String what, String dir, Throwable e) {
        String said = String.valueOf(e.getMessage());
        if (said.length() > 150) said = said.substring(0, 150) + "...";
        return new CliException(CliException.FAILED, "cannot load " + what + "'s native library, which is unpacked into "
                + dir + " and run from there; make " + dir + " writable and executable (a tmpfs needs the exec option:"
                + " --tmpfs /tmp:exec), or point -Djava.io.tmpdir at such a directory (the loader said: " + said + ")");
    }
}
