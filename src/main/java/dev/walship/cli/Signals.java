package dev.walship.cli;

import sun.misc.Signal;

/**
 * SIGTERM/SIGINT handling that lets the process finish its work and exit 0. A JVM shutdown hook
 * would also run, but the JVM then exits with 143 whatever the hook does; container runtimes and
 * docker-rollout treat that as a failure.
 */
final class Signals {
    private Signals() {}

    static void onTerminate(Runnable action) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), sig -> action.run());
            } catch (IllegalArgumentException e) {
                // the signal does not exist on this platform; the default handling stays
            }
        }
    }
}
