package dev.walship.config;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and formats byte sizes: a plain number of bytes ({@code 4096}), decimal units that are powers of 1000
 * ({@code KB}, {@code MB}, {@code GB}, {@code TB}, as disk vendors and the SI use them) and binary units that are
 * powers of 1024 ({@code KiB}, {@code MiB}, {@code GiB}, {@code TiB}). Units are case-insensitive.
 *
 * <p>The bare letters {@code K}, {@code M}, {@code G} are rejected because half of all tools read them as 1000 and
 * the other half as 1024. Error messages quote the input only inside double quotes so that callers can redact it.
 */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([A-Za-z]*)");
    private static final String UNITS = "B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)";
    private static final Map<String, Long> FACTORS = Map.of(
            "", 1L, "b", 1L,
            "kb", 1000L, "mb", 1000L * 1000, "gb", 1000L * 1000 * 1000, "tb", 1000L * 1000 * 1000 * 1000,
            "kib", 1L << 10, "mib", 1L << 20, "gib", 1L << 30, "tib", 1L << 40);
    private static final long[] FORMAT_FACTORS = {1L << 40, 1L << 30, 1L << 20, 1L << 10,
        1000L * 1000 * 1000 * 1000, 1000L * 1000 * 1000, 1000L * 1000, 1000L};
    private static final String[] FORMAT_UNITS = {"TiB", "GiB", "MiB", "KiB", "TB", "GB", "MB", "KB"};

    private Sizes() {
    }

    /** Parses a size in bytes; throws IllegalArgumentException with a one-line, fixable message. */
    public static long parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty size (use a number of bytes or a number with a unit: " + UNITS + ")");
        }
        String s = text.strip();
        if (s.startsWith("-")) {
            throw new IllegalArgumentException("negative size \"" + s + "\" (sizes must be zero or more)");
        }
        if (s.matches("[0-9]*[.,][0-9]+\\s*[A-Za-z]*")) {
            throw new IllegalArgumentException(
                    "fractional size \"" + s + "\" (use whole numbers of a smaller unit, e.g. 1536MiB not 1.5GiB)");
        }
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid size \"" + s + "\" (use a number of bytes or a number with a unit: "
                    + UNITS + ")");
        }
        String unit = m.group(2).toLowerCase(Locale.ROOT);
        if (unit.matches("[kmgt]")) {
            throw new IllegalArgumentException("ambiguous unit \"" + m.group(2)
                    + "\" (write MB for powers of 1000 or MiB for powers of 1024)");
        }
        Long factor = FACTORS.get(unit);
        if (factor == null) {
            throw new IllegalArgumentException("unknown size unit \"" + m.group(2) + "\" (use " + UNITS + ")");
        }
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), factor);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("size \"" + s + "\" is too large (use at most a few TiB)");
        }
    }

    /** Formats with the unit that divides exactly and gives the shortest number; parses back to the same value. */
    public static String format(long bytes) {
        String best = Long.toString(bytes);
        long bestAmount = bytes;
        for (int i = 0; bytes > 0 && i < FORMAT_FACTORS.length; i++) {
            if (bytes % FORMAT_FACTORS[i] == 0 && bytes / FORMAT_FACTORS[i] < bestAmount) {
                bestAmount = bytes / FORMAT_FACTORS[i];
                best = bestAmount + FORMAT_UNITS[i];
            }
        }
        return best;
    }
}
