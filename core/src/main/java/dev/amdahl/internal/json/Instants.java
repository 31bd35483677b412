package dev.amdahl.internal.json;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/**
 * Reads the instants our records and messages carry. Every stored record and every message holds a few, so a worker
 * and a waiting client parse two or three per task: {@link Instant#parse} goes through the general ISO formatter,
 * which costs more than the rest of a record's decoding. What we write is {@link Instant#toString()}'s canonical form
 * ({@code 2026-12-01T19:17:57.123Z}: four-digit year, fraction of 0 to 9 digits, {@code Z}); that form is read
 * directly, and anything else, valid or not, goes to {@link Instant#parse}, so the answer and the errors are always
 * {@code Instant.parse}'s. {@link #format} writes that form as {@link Instant#toString()} does, character for
 * character, without the general formatter.
 */
public final class Instants {

    private static final int[] SCALE = {0, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1};

    private Instants() {
    }

    /**
     * {@code Instant.parse(text)}, faster for the canonical form.
     *
     * @throws DateTimeParseException as {@link Instant#parse} does
     */
    public static Instant parse(String text) {
        int n = text.length();
        if (n < 20 || n > 30 || text.charAt(n - 1) != 'Z' || text.charAt(4) != '-' || text.charAt(7) != '-'
                || text.charAt(10) != 'T' || text.charAt(13) != ':' || text.charAt(16) != ':') {
            return Instant.parse(text);
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 7);
        int day = digits(text, 8, 10);
        int hour = digits(text, 11, 13);
        int minute = digits(text, 14, 16);
        int second = digits(text, 17, 19);
        int nanos = 0;
        if (n > 20) {
            int fraction = n - 21;
            if (text.charAt(19) != '.' || fraction < 1) {
                return Instant.parse(text);
            }
            int value = digits(text, 20, n - 1);
            if (value < 0) {
                return Instant.parse(text);
            }
            nanos = value * SCALE[fraction];
        }
        if ((year | month | day | hour | minute | second) < 0 || hour > 23 || minute > 59 || second > 59) {
            return Instant.parse(text);
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException invalidDate) {
            return Instant.parse(text);
        }
        return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
    }

    /** The first and last second {@link #format} writes itself: years 0000 to 9999, what {@link #parse} reads directly. */
    private static final long FIRST_SECOND = -62_167_219_200L;
    private static final long LAST_SECOND = 253_402_300_799L;

    /** {@code instant.toString()}, character for character, faster for the years 0000 to 9999. */
    public static String format(Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < FIRST_SECOND || seconds > LAST_SECOND) {
            return instant.toString();
        }
        long epochDay = Math.floorDiv(seconds, 86_400);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400);
        LocalDate date = LocalDate.ofEpochDay(epochDay);
        int nanos = instant.getNano();
        // the fraction as ISO_INSTANT prints it: none, or as many groups of three digits as it needs
        int fraction = nanos == 0 ? 0 : nanos % 1_000_000 == 0 ? 3 : nanos % 1_000 == 0 ? 6 : 9;
        char[] out = new char[20 + (fraction == 0 ? 0 : fraction + 1)];
        put(out, 0, date.getYear(), 4);
        out[4] = '-';
        put(out, 5, date.getMonthValue(), 2);
        out[7] = '-';
        put(out, 8, date.getDayOfMonth(), 2);
        out[10] = 'T';
        put(out, 11, secondOfDay / 3_600, 2);
        out[13] = ':';
        put(out, 14, secondOfDay / 60 % 60, 2);
        out[16] = ':';
        put(out, 17, secondOfDay % 60, 2);
        if (fraction > 0) {
            out[19] = '.';
            put(out, 20, nanos / SCALE[fraction], fraction);
        }
        out[out.length - 1] = 'Z';
        return new String(out);
    }

    /** The most bytes {@link #formatAscii} writes. */
    public static final int MAX_ASCII_LENGTH = 30;

    /**
     * {@link #format}'s characters as ASCII bytes into {@code out} from {@code at} (room for {@link #MAX_ASCII_LENGTH}
     * bytes needed), for a writer that would only encode the string again; returns where they end, or -1, writing
     * nothing, for an instant outside the years 0000 to 9999.
     */
    public static int formatAscii(Instant instant, byte[] out, int at) {
        long seconds = instant.getEpochSecond();
        if (seconds < FIRST_SECOND || seconds > LAST_SECOND) {
            return -1;
        }
        long epochDay = Math.floorDiv(seconds, 86_400);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400);
        LocalDate date = LocalDate.ofEpochDay(epochDay);
        int nanos = instant.getNano();
        int fraction = nanos == 0 ? 0 : nanos % 1_000_000 == 0 ? 3 : nanos % 1_000 == 0 ? 6 : 9;
        put(out, at, date.getYear(), 4);
        out[at + 4] = '-';
        put(out, at + 5, date.getMonthValue(), 2);
        out[at + 7] = '-';
        put(out, at + 8, date.getDayOfMonth(), 2);
        out[at + 10] = 'T';
        put(out, at + 11, secondOfDay / 3_600, 2);
        out[at + 13] = ':';
        put(out, at + 14, secondOfDay / 60 % 60, 2);
        out[at + 16] = ':';
        put(out, at + 17, secondOfDay % 60, 2);
        int end = at + 19;
        if (fraction > 0) {
            out[end] = '.';
            put(out, end + 1, nanos / SCALE[fraction], fraction);
            end += fraction + 1;
        }
        out[end] = 'Z';
        return end + 1;
    }

    private static void put(byte[] out, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }

    /** Writes {@code value} as {@code width} decimal digits, zero-padded, at {@code at}. */
    private static void put(char[] out, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    /** The decimal number of {@code text[from, to)}, or -1 when a character is not an ASCII digit. */
    private static int digits(String text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
