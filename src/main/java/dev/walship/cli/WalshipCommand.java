package dev.walship.cli;

import picocli.CommandLine.Command;

/** The top-level {@code walship} command: only a container for the subcommands. */
@Command(name = "walship", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "SQLite WAL replication, point-in-time restore and deploy snapshots.",
        subcommands = {ReplicateCommand.class, RestoreCommand.class, SnapshotsCommand.class, HookCommand.class, ConfigCommand.class,
                VerifyCommand.class})
public final class WalshipCommand {
}
