package dev.amdahl.cli;

import dev.amdahl.Pool;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Option value types and their converters; a bad value is a usage error naming the accepted forms. */
final class Converters {

    private Converters() {
    }

    /** A picture size, written {@code WIDTHxHEIGHT}. */
    record Size(int width, int height) {
        @Override
        public String toString() {
            return width + "x" + height;
        }
    }

    /** {@code 1600x1200}. */
    static final class SizeConverter implements ITypeConverter<Size> {
        private static final Pattern SIZE = Pattern.compile("(\\d{1,5})[xX](\\d{1,5})");

        @Override
        public Size convert(String value) {
            Matcher m = SIZE.matcher(value.trim());
            if (!m.matches() || Integer.parseInt(m.group(1)) < 1 || Integer.parseInt(m.group(2)) < 1) {
                throw new TypeConversionException("'" + value + "' is not a picture size: write WIDTHxHEIGHT, e.g. 1600x1200");
            }
            return new Size(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        }
    }

    /** {@code 30s}, {@code 500ms}, {@code 2m}, {@code 1h}, a bare number of seconds, or ISO-8601 ({@code PT30S}). */
    static final class DurationConverter implements ITypeConverter<Duration> {
        private static final Pattern AMOUNT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            Matcher m = AMOUNT.matcher(v);
            if (m.matches()) {
                double amount = Double.parseDouble(m.group(1));
                String unit = m.group(2) == null ? "s" : m.group(2);
                double millis = switch (unit) {
                    case "ms" -> amount;
                    case "m" -> amount * 60_000;
                    case "h" -> amount * 3_600_000;
                    default -> amount * 1_000;
                };
                return Duration.ofMillis(Math.round(millis));
            }
            try {
                return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new TypeConversionException("'" + value + "' is not a duration: write e.g. 30s, 500ms, 2m or 1h");
            }
        }
    }

    /** {@code threads}, {@code virtual} or {@code processes}, in any case. */
    static final class PoolConverter implements ITypeConverter<Pool> {
        @Override
        public Pool convert(String value) {
            try {
                return Pool.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not a pool: choose threads, virtual or processes");
            }
        }
    }

    /** The values {@code --help} lists for {@code --pool}. */
    static final class PoolNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.List.of("threads", "virtual", "processes").iterator();
        }
    }
}
