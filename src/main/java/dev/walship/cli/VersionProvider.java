package dev.walship.cli;

import picocli.CommandLine.IVersionProvider;

/** Reports the jar's implementation version (set by Maven) or "dev". */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"walship " + dev.walship.util.Version.get()};
    }
}
