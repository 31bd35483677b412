package dev.amdahl.internal.worker;

import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed rate limit, as Celery writes them: {@code "100/s"}, {@code "10/m"}, {@code "1000/h"}; a bare
 * number means per second.
 *
 * @param permits how many runs
 * @param per     in how long
 * @param text    the limit as the user wrote it, for messages and {@link TaskOptions#rateLimit()}
 */
public record RateLimit(long permits, long perNanos, String text) {

    private static final Pattern FORMAT = Pattern.compile("\\s*(\\d{1,9})\\s*(?:/\\s*([smh]))?\\s*");

    public RateLimit {
        if (permits < 1) {
            throw new IllegalArgumentException("a rate limit allows at least 1 run, '" + text + "' allows " + permits);
        }
    }

    /**
     * Parses a rate limit.
     *
     * @throws IllegalArgumentException naming the string and the accepted forms when it is malformed
     */
    public static RateLimit parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("the rate limit must not be null");
        }
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("the rate limit '" + text + "' is malformed: write runs per second,"
                    + " minute or hour as \"100/s\", \"10/m\" or \"1000/h\"");
        }
        TimeUnit unit = m.group(2) == null ? TimeUnit.SECONDS : switch (m.group(2)) {
            case "s" -> TimeUnit.SECONDS;
            case "m" -> TimeUnit.MINUTES;
            default -> TimeUnit.HOURS;
        };
        return new RateLimit(Long.parseLong(m.group(1)), unit.toNanos(1), text.strip());
    }

    /** The time one run costs: the spacing between runs at this rate. */
    public long nanosPerPermit() {
        return Math.max(1, perNanos / permits);
    }

    @Override
    public String toString() {
        return text;
    }
}
