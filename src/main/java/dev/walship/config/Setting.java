package dev.walship.config;

import java.util.regex.Pattern;

/**
 * One raw setting as the user gave it, with the key path to blame in messages.
 *
 * @param text    the value after environment expansion (or read from its -file)
 * @param keyPath where it was written, e.g. {@code dbs[0].sync-interval} or {@code --sync-interval}
 * @param secret  true if it came from a -file or sits under a secret-sounding key, so it must never be shown
 */
record Setting(String text, String keyPath, boolean secret) {
    private static final Pattern QUOTED = Pattern.compile("\"[^\"]*\"");

    /** Our messages quote echoed input; for a secret, every quoted part is blanked out. */
    String redact(String message) {
        return secret ? QUOTED.matcher(message).replaceAll("<redacted>") : message;
    }
}
