package dev.walship.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsSizesTest {

    @ParameterizedTest
    @CsvSource({"500ms,500", "1s,1000", "10m,600000", "24h,86400000", "3d,259200000", "1h30m,5400000",
        "PT1S,1000", "pt10m,600000", "P1D,86400000", "0,0", " 2s ,2000", "1m30s,90000"})
    void parsesDurations(String text, long millis) {
        assertEquals(Duration.ofMillis(millis), Durations.parse(text));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "5|has no unit", "1.5s|fractional", "-1s|negative", "PT-1S|negative", "abc|invalid duration",
        "10x|invalid duration", "1S|invalid duration", "PTX|invalid ISO-8601", "99999999999999999999d|too large",
        "9999999999999999d|too large"})
    void rejectsBadDurations(String text, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().contains("("), "says how to fix: " + e.getMessage());
    }

    @Test
    void rejectsEmptyDuration() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Durations.parse(" ")).getMessage()
                .startsWith("empty duration"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse(null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0s", "100ms", "1s", "90s", "10m", "1h", "72h", "7d", "1500ms"})
    void formatsDurationsThatParseBack(String text) {
        assertEquals(text, Durations.format(Durations.parse(text)));
    }

    @Test
    void formatsSubMillisecondDurationsAsIso() {
        Duration d = Duration.ofNanos(1500);
        assertEquals(d, Durations.parse(Durations.format(d)));
    }

    @ParameterizedTest
    @CsvSource({"4096,4096", "512KB,512000", "64MB,64000000", "1GB,1000000000", "2TB,2000000000000",
        "1KiB,1024", "64MiB,67108864", "1GiB,1073741824", "1TiB,1099511627776", "64mib,67108864",
        "64 MB,64000000", "10B,10", "0,0"})
    void parsesSizes(String text, long bytes) {
        assertEquals(bytes, Sizes.parse(text));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"64M|ambiguous unit", "1G|ambiguous unit", "5XB|unknown size unit",
        "-1MB|negative", "1.5GiB|fractional", "MB|invalid size", "99999999999TiB|too large",
        "999999999999999999999|too large"})
    void rejectsBadSizes(String text, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parse(text));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"67108864,64MiB", "64000000,64MB", "1024,1KiB", "1000,1KB", "1500,1500", "0,0"})
    void formatsSizesThatParseBack(long bytes, String text) {
        assertEquals(text, Sizes.format(bytes));
        assertEquals(bytes, Sizes.parse(text));
    }
}
