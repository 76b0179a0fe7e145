package io.grade.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * The one way every {@code grade} command takes a duration: plain seconds ({@code 300}, {@code
 * 0.5}), a number with a unit ({@code 500ms}, {@code 30s}, {@code 5m} or {@code 5min}, {@code
 * 1h}, {@code 2d}), or ISO-8601 ({@code PT5M}, accepted where it was before). Negative values are
 * refused; picocli names the option in the error.
 */
final class DurationOption {

    /** Appended to the description of every duration option. */
    static final String FORMS = "Seconds (300) or 500ms, 30s, 5m, 1h; ISO-8601 (PT5M) too.";

    private static final Pattern NUMBER_UNIT =
            Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|sec|m|min|h|d)?");

    private DurationOption() {}

    /** Parses one of the forms above. */
    static Duration parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        Matcher m = NUMBER_UNIT.matcher(v);
        if (m.matches()) {
            double millisPerUnit = switch (m.group(2) == null ? "s" : m.group(2)) {
                case "ms" -> 1;
                case "s", "sec" -> 1_000;
                case "m", "min" -> 60_000;
                case "h" -> 3_600_000;
                default -> 86_400_000; // d
            };
            return Duration.ofMillis(Math.round(Double.parseDouble(m.group(1)) * millisPerUnit));
        }
        if (v.startsWith("p")) {
            try {
                Duration d = Duration.parse(v.toUpperCase(Locale.ROOT));
                if (!d.isNegative()) {
                    return d;
                }
            } catch (DateTimeParseException notIso) {
                // the message below
            }
        }
        throw new CommandLine.TypeConversionException("'" + value + "' is not a duration: " + FORMS);
    }

    /** The picocli converter of every duration option. */
    static final class Converter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return parse(value);
        }
    }
}
