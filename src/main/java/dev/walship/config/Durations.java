package dev.walship.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and formats durations as people write them in config files: {@code 500ms}, {@code 1s}, {@code 10m},
 * {@code 24h}, {@code 3d}, combinations such as {@code 1h30m}, a bare {@code 0}, or ISO-8601 such as {@code PT1S}.
 *
 * <p>Units are lowercase because {@code m} (minutes) and {@code M} (months, in other tools) must not be confused.
 * Amounts are whole numbers; write {@code 1500ms} rather than {@code 1.5s}. Error messages quote the input only
 * inside double quotes so that callers can redact it.
 */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final String HOW =
            "use a whole number with a unit: 500ms, 1s, 10m, 24h, 3d, combinations like 1h30m, or ISO-8601 like PT1S";

    private Durations() {
    }

    /** Parses a duration; throws IllegalArgumentException with a one-line, fixable message. */
    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty duration (" + HOW + ")");
        }
        String s = text.strip();
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        if (s.startsWith("-")) {
            throw new IllegalArgumentException("negative duration \"" + s + "\" (durations must be zero or more)");
        }
        if (s.startsWith("P") || s.startsWith("p") || s.startsWith("+P")) {
            return parseIso(s);
        }
        if (s.matches("\\d+")) {
            throw new IllegalArgumentException("duration \"" + s + "\" has no unit (add one: ms, s, m, h or d)");
        }
        if (s.matches("[0-9]*[.,][0-9]+\\s*[a-z]*")) {
            throw new IllegalArgumentException(
                    "fractional duration \"" + s + "\" (use whole numbers of a smaller unit, e.g. 1500ms not 1.5s)");
        }
        Matcher m = PART.matcher(s);
        Duration total = Duration.ZERO;
        int at = 0;
        try {
            while (at < s.length()) {
                m.region(at, s.length());
                if (!m.lookingAt()) {
                    throw new IllegalArgumentException("invalid duration \"" + s + "\" (" + HOW + ")");
                }
                total = total.plus(unit(Long.parseLong(m.group(1)), m.group(2)));
                at = m.end();
            }
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("duration \"" + s + "\" is too large (use at most a few years)");
        }
        return total;
    }

    /** Formats with the largest unit that divides exactly, so that the output parses back to the same value. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        if (d.isNegative() || d.getNano() % 1_000_000 != 0) {
            return d.toString();
        }
        long ms = d.toMillis();
        long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1_000L, 1L};
        String[] units = {"d", "h", "m", "s", "ms"};
        // Days only from a week up: "24h" and "72h" read better than "1d" and "3d" next to the docs.
        for (int i = ms >= 7 * sizes[0] ? 0 : 1; i < sizes.length; i++) {
            if (ms % sizes[i] == 0) {
                return (ms / sizes[i]) + units[i];
            }
        }
        return ms + "ms";
    }

    private static Duration unit(long amount, String unit) {
        switch (unit) {
            case "ms": return Duration.ofMillis(amount);
            case "s": return Duration.ofSeconds(amount);
            case "m": return Duration.ofMinutes(amount);
            case "h": return Duration.ofHours(amount);
            default: return Duration.ofDays(amount);
        }
    }

    private static Duration parseIso(String s) {
        Duration d;
        try {
            d = Duration.parse(s.toUpperCase(java.util.Locale.ROOT));
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException(
                    "invalid ISO-8601 duration \"" + s + "\" (examples: PT1S, PT10M, PT24H, P3D)");
        }
        if (d.isNegative()) {
            throw new IllegalArgumentException("negative duration \"" + s + "\" (durations must be zero or more)");
        }
        return d;
    }
}
