package dev.amdahl.spi;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The query options of a broker or backend URL ({@code redis://host?visibility-timeout=30s&max-deliveries=5}), read
 * the same way by every provider: names are case-insensitive, an option a provider does not know is refused with
 * the list of those it does (a typo is an error, not a silently ignored setting), an option given twice is
 * refused, and every value that does not
 * parse is refused with its option's name and the forms it takes.
 */
public final class UrlOptions {

    private final String what;
    private final Map<String, String> values;

    private UrlOptions(String what, Map<String, String> values) {
        this.what = what;
        this.values = values;
    }

    /**
     * Reads the query of {@code uri}.
     *
     * @param what  what the URL is for, as error messages name it ("Redis", "embedded broker")
     * @param known the options the provider takes, lower case
     * @throws IllegalArgumentException for an option not in {@code known}
     */
    public static UrlOptions parse(URI uri, String what, Set<String> known) {
        Map<String, String> values = new LinkedHashMap<>();
        String raw = uri.getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq)).toLowerCase(Locale.ROOT);
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                if (!known.contains(key)) {
                    throw new IllegalArgumentException("unknown " + what + " URL option '" + key + "'; known options: "
                            + (known.isEmpty() ? "none" : String.join(", ", new TreeSet<>(known))));
                }
                if (values.putIfAbsent(key, value) != null) {
                    throw new IllegalArgumentException(what + " URL option '" + key + "' is given twice; give it once");
                }
            }
        }
        return new UrlOptions(what, values);
    }

    /** Percent-decodes one part of a URL, as UTF-8 ({@code +} is a space, as in a form). */
    public static String decode(String part) {
        return URLDecoder.decode(part, StandardCharsets.UTF_8);
    }

    /** Every option given, in URL order. */
    public Map<String, String> asMap() {
        return Collections.unmodifiableMap(values);
    }

    /** The option's text, when given. */
    public Optional<String> text(String name) {
        return Optional.ofNullable(values.get(name));
    }

    /** Whether the URL gives the option. */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /**
     * The option as a duration: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}, a bare number of
     * milliseconds, or ISO-8601 ({@code PT30S}); {@code fallback} when absent.
     *
     * @throws IllegalArgumentException when it does not parse or is below {@code min}
     */
    public Duration duration(String name, Duration fallback, Duration min) {
        String text = values.get(name);
        if (text == null) {
            return fallback;
        }
        Duration d = parseDuration(name, text);
        if (d.compareTo(min) < 0) {
            throw new IllegalArgumentException(name + " must be at least " + min.toMillis() + "ms, was '" + text + "'");
        }
        return d;
    }

    /**
     * The option as a whole number from {@code min} to {@code max}; {@code fallback} when absent.
     *
     * @throws IllegalArgumentException when it does not parse or is out of range
     */
    public int integer(String name, int fallback, int min, int max) {
        String text = values.get(name);
        if (text == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value < min || value > max) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number from " + min + " to " + max
                    + ", was '" + text + "'");
        }
    }

    private static Duration parseDuration(String name, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("p")) {
                return Duration.parse(t.toUpperCase(Locale.ROOT));
            }
            int split = 0;
            while (split < t.length() && Character.isDigit(t.charAt(split))) {
                split++;
            }
            long amount = Long.parseLong(t.substring(0, split));
            return switch (t.substring(split)) {
                case "", "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                case "d" -> Duration.ofDays(amount);
                default -> throw new NumberFormatException();
            };
        } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException(name + " must be a duration such as 500ms, 30s, 5m, 2h, 1d or PT30S, was '"
                    + text + "'");
        }
    }

    @Override
    public String toString() {
        return what + " URL options " + values.keySet();
    }
}
