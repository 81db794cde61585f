package dev.walship.cli;

import dev.walship.config.ConfigException;
import dev.walship.restore.RestoreException;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine;

/** Entry point of {@code walship.jar}; all picocli wiring lives in {@link #commandLine}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = commandLine(out, err).execute(args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Builds the command tree writing to the given streams, so tests can capture output without touching System.out. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new WalshipCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            cmd.getErr().println("walship: " + oneLine(ex));
            cmd.getErr().flush();
            return exitCode(ex);
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println("walship: " + ex.getMessage()
                    + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            return CliException.BAD_INPUT;
        });
        return cl;
    }

    static int exitCode(Throwable ex) {
        if (ex instanceof CliException c) return c.exitCode();
        if (ex instanceof ConfigException) return CliException.BAD_INPUT;
        if (ex instanceof RestoreException r) {
            return switch (r.kind()) {
                case NO_SNAPSHOTS, BEFORE_EARLIEST, IN_FUTURE, BEYOND_LATEST, COMPACTED, OUTPUT_EXISTS -> CliException.BAD_INPUT;
                default -> CliException.FAILED;
            };
        }
        if (ex instanceof IOException) return CliException.FAILED;
        return CliException.INTERNAL;
    }

    static String oneLine(Throwable ex) {
        String m = ex.getMessage();
        if (m == null || m.isBlank()) m = ex.getClass().getSimpleName();
        if (!(ex instanceof CliException || ex instanceof IOException || ex instanceof ConfigException)) {
            m = "internal error: " + ex + " (please report this)";
        }
        // ConfigException lists every problem, one per line; everything else is a single line.
        return ex instanceof ConfigException ? m : m.replace('\n', ' ');
    }
}
