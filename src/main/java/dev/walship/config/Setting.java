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
    /**
     * From the first double quote to the last: a secret may itself contain quotes, and blanking each "quoted"
     * part on its own would then leave the text between them (the middle of the secret) visible.
     */
    private static final Pattern QUOTED = Pattern.compile("\"[\\s\\S]*\"");

    /** Our messages quote echoed input; for a secret, everything quoted is blanked out. */
    String redact(String message) {
        return secret ? redactQuoted(message) : message;
    }

    static String redactQuoted(String message) {
        return QUOTED.matcher(message).replaceAll("<redacted>");
    }
}
