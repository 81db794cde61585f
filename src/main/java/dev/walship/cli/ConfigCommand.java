package dev.walship.cli;

import dev.walship.config.ConfigLoader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code walship config --config sidecar.yml}: checks a configuration and prints it as walship will run it (every
 * default filled in, secrets shown as {@code <redacted>}), or every problem at once with its key path.
 */
@Command(name = "config", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Check sidecar.yml and print the effective configuration (defaults filled in, secrets redacted).",
                "Exit 0 when valid; otherwise every problem, one per line, and exit 2."})
public final class ConfigCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The sidecar.yml to check.")
    Path config;

    @Override
    public Integer call() throws Exception {
        // ConfigException carries every problem; Main maps it to exit 2 like every other bad input.
        String yaml = ConfigLoader.load(config, System.getenv()).describe();
        spec.commandLine().getOut().print(yaml);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
