package dev.walship.cli;

import picocli.CommandLine.Command;

/** {@code walship hook}: the deploy hooks for CI, thin clients of the running sidecar's admin API. */
@Command(name = "hook", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Deploy hooks for CI: call the running sidecar's admin API and print one JSON line.",
                "Exit 0 on success; otherwise one line on stderr and exit 1 (sidecar or replica trouble) or 2 (bad input)."},
        subcommands = {HookCommand.PreDeploy.class, HookCommand.PostRollback.class})
public final class HookCommand {

    /** {@code walship hook pre-deploy --label TAG}: a labelled snapshot, durable on every replica. */
    @Command(name = "pre-deploy", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = {"Take a snapshot labelled TAG and return once it is durable on every replica.",
                    "Call it before migrations and before any container swap."})
    static final class PreDeploy implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Mixin
        AdminClient.Options client;

        @picocli.CommandLine.Option(names = "--label", required = true, paramLabel = "TAG",
                description = "The deploy tag, e.g. v1.4.2 (letters, digits, . _ + -).")
        String label;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            var body = AdminClient.JSON.createObjectNode();
            client.common(body);
            body.put("label", label);
            return new AdminClient(client, spec).post("/v1/snapshots", body, "pre-deploy snapshot " + label);
        }
    }

    /** {@code walship hook post-rollback --label TAG | --to INSTANT | --txid N}: restore the live database. */
    @Command(name = "post-rollback", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = {"Restore the live database in place to a label, a time or a txid, after saving the current",
                    "state as a pre-restore-<time> label. The app keeps its connections."})
    static final class PostRollback implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Mixin
        AdminClient.Options client;

        @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        static final class Target {
            @picocli.CommandLine.Option(names = "--label", paramLabel = "TAG", description = "A label from pre-deploy.")
            String label;

            @picocli.CommandLine.Option(names = "--to", paramLabel = "INSTANT", description = "RFC 3339 time, e.g. 2026-01-10T14:03:00Z.")
            String to;

            @picocli.CommandLine.Option(names = "--txid", paramLabel = "N", description = "A transaction id (see 'walship snapshots').")
            long txid;
        }

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            var body = AdminClient.JSON.createObjectNode();
            client.common(body);
            String what;
            if (target.label != null) {
                body.put("label", target.label);
                what = "label " + target.label;
            } else if (target.to != null) {
                body.put("to", target.to);
                what = target.to;
            } else {
                body.put("txid", target.txid);
                what = "txid " + target.txid;
            }
            return new AdminClient(client, spec).post("/v1/restore", body, "post-rollback restore to " + what);
        }
    }
}
