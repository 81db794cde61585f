package dev.walship.cli;

import picocli.CommandLine.IVersionProvider;

/** Reports the jar's implementation version (set by Maven) or "dev". */
public final class VersionProvider implements IVersionProvider {
    public static String version() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"walship " + version()};
    }
}
