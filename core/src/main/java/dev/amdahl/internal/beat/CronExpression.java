package dev.amdahl.internal.beat;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A standard five-field cron expression in a time zone: {@code minute hour day-of-month month day-of-week}.
 *
 * <h2>Syntax</h2>
 * Each field is a comma-separated list of {@code *}, a value, a range {@code a-b}, each optionally with a
 * step ({@code *}{@code /15}, {@code 0-30/10}, {@code 5/10} = {@code 5-59/10}). Months may be written
 * {@code JAN}..{@code DEC} and days of the week {@code SUN}..{@code SAT} (any case); day of week 0 and 7
 * are both Sunday. The macros {@code @yearly} ({@code @annually}), {@code @monthly}, {@code @weekly},
 * {@code @daily} ({@code @midnight}) and {@code @hourly} stand for their usual expansions. Quartz
 * extensions ({@code ?}, {@code L}, {@code W}, {@code #}, a seconds field) are refused, not guessed at.
 *
 * <h2>Day of month and day of week</h2>
 * As in Vixie cron and cronie: when both fields are restricted, a day matches if <em>either</em>
 * matches ({@code 0 0 13 * FRI} fires on every 13th and every Friday); when either field starts with
 * {@code *} only the other one counts (so {@code *}{@code /2} counts as unrestricted here too, like in cron).
 *
 * <h2>Daylight saving time</h2>
 * The fields are wall-clock times in the zone. Two rules, both chosen so that a daily job runs once a day:
 * <ul>
 *   <li><b>Gap</b> (spring forward): a wall time that does not exist fires at the first instant after the
 *       gap. In Europe/Berlin on the last Sunday of March, {@code 30 2 * * *} fires at 03:00 CEST; ticks that
 *       move onto the same instant ({@code *}{@code /15 * * * *} at 02:00..02:45 and 03:00) fire once.</li>
 *   <li><b>Overlap</b> (fall back): a wall time that occurs twice fires at its first occurrence only
 *       (the earlier offset). In Europe/Berlin on the last Sunday of October {@code 30 2 * * *} fires at
 *       02:30 CEST and not at 02:30 CET; {@code 0 * * * *} fires at 02:00 CEST and next at 03:00 CET.</li>
 * </ul>
 * For ticks at regular real-time intervals across DST changes, use UTC or {@link Schedule#every}.
 *
 * <p>Immutable and thread-safe.
 */
public final class CronExpression {

    private static final String[] FIELD_NAMES = {"minute", "hour", "day-of-month", "month", "day-of-week"};
    private static final int[] MIN = {0, 0, 1, 1, 0};
    private static final int[] MAX = {59, 23, 31, 12, 7};
    private static final List<String> MONTHS = List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
    private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");
    private static final Map<String, String> MACROS = Map.of(
            "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *", "@monthly", "0 0 1 * *", "@weekly", "0 0 * * 0",
            "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");
    /** Far enough for any satisfiable expression: a 29th of February with no weekday can be 8 years away. */
    private static final int SEARCH_YEARS = 30;

    private final String expression;
    private final ZoneId zone;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet daysOfMonth;
    private final BitSet months;
    /** 0 = Sunday .. 6 = Saturday (7 is folded onto 0). */
    private final BitSet daysOfWeek;
    private final boolean domRestricted;
    private final boolean dowRestricted;

    private CronExpression(String expression, ZoneId zone, BitSet[] fields, boolean domRestricted, boolean dowRestricted) {
        this.expression = expression;
        this.zone = zone;
        this.minutes = fields[0];
        this.hours = fields[1];
        this.daysOfMonth = fields[2];
        this.months = fields[3];
        this.daysOfWeek = fields[4];
        this.domRestricted = domRestricted;
        this.dowRestricted = dowRestricted;
    }

    /**
     * Parses {@code expression}.
     *
     * @throws IllegalArgumentException naming the field and the token that is wrong
     */
    public static CronExpression parse(String expression, ZoneId zone) {
        Objects.requireNonNull(zone, "zone");
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("cron expression is empty: expected 5 fields (minute hour day-of-month month day-of-week)");
        }
        String text = expression.strip();
        String expanded = text.startsWith("@") ? MACROS.get(text.toLowerCase(Locale.ROOT)) : text;
        if (expanded == null) {
            throw new IllegalArgumentException("cron expression '" + text + "': unknown macro; use one of "
                    + MACROS.keySet().stream().sorted().toList());
        }
        String[] parts = expanded.split("\\s+");
        if (parts.length != 5) {
            throw new IllegalArgumentException("cron expression '" + text + "' has " + parts.length
                    + " field(s); expected 5: minute hour day-of-month month day-of-week"
                    + (parts.length == 6 ? " (a seconds or year field, as in Quartz, is not supported)" : ""));
        }
        BitSet[] fields = new BitSet[5];
        for (int f = 0; f < 5; f++) {
            fields[f] = parseField(text, f, parts[f]);
        }
        if (fields[4].get(7)) {
            fields[4].clear(7);
            fields[4].set(0);
        }
        boolean domRestricted = !parts[2].startsWith("*");
        boolean dowRestricted = !parts[4].startsWith("*");
        if (!dowRestricted) {
            checkSomeDayExists(text, fields[2], fields[3]);
        }
        return new CronExpression(text, zone, fields, domRestricted, dowRestricted);
    }

    private static BitSet parseField(String expression, int field, String text) {
        BitSet values = new BitSet(MAX[field] + 1);
        for (String item : text.split(",", -1)) {
            if (item.isEmpty()) {
                throw fieldError(expression, field, text, "an empty list item (two commas, or a comma at an end)");
            }
            parseItem(expression, field, text, item, values);
        }
        return values;
    }

    private static void parseItem(String expression, int field, String text, String item, BitSet values) {
        String range = item;
        int step = 1;
        int slash = item.indexOf('/');
        if (slash >= 0) {
            range = item.substring(0, slash);
            String stepText = item.substring(slash + 1);
            if (!stepText.matches("\\d{1,3}")) {
                throw fieldError(expression, field, text, "the step '" + stepText + "' in '" + item + "' is not a number");
            }
            step = Integer.parseInt(stepText);
            if (step == 0 || step > MAX[field]) {
                throw fieldError(expression, field, text, "the step '" + stepText + "' in '" + item + "' must be 1 to " + MAX[field]);
            }
        }
        int from;
        int to;
        if (range.equals("*")) {
            from = MIN[field];
            to = MAX[field] == 7 ? 6 : MAX[field];
        } else {
            int dash = range.indexOf('-');
            if (dash >= 0) {
                from = value(expression, field, text, range.substring(0, dash));
                to = value(expression, field, text, range.substring(dash + 1));
                if (from > to) {
                    throw fieldError(expression, field, text, "the range '" + range + "' runs backwards; write it as a list, e.g. '"
                            + range.substring(dash + 1) + "-" + MAX[field] + "," + MIN[field] + "-" + range.substring(0, dash) + "'");
                }
            } else {
                from = value(expression, field, text, range);
                // "5/10" means "5-max/10", as in Vixie cron; a plain value is just itself
                to = slash >= 0 ? MAX[field] : from;
            }
        }
        for (int v = from; v <= to; v += step) {
            values.set(v);
        }
    }

    private static int value(String expression, int field, String text, String token) {
        if (token.isEmpty()) {
            throw fieldError(expression, field, text, "a range is missing a value");
        }
        if (token.matches("\\d{1,2}")) {
            int v = Integer.parseInt(token);
            if (v < MIN[field] || v > MAX[field]) {
                throw fieldError(expression, field, text, "'" + token + "' is out of range " + MIN[field] + "-" + MAX[field]);
            }
            return v;
        }
        String upper = token.toUpperCase(Locale.ROOT);
        if (field == 3 && MONTHS.contains(upper)) {
            return MONTHS.indexOf(upper) + 1;
        }
        if (field == 4 && DAYS.contains(upper)) {
            return DAYS.indexOf(upper);
        }
        if (upper.matches("\\?|L|LW|\\d{1,2}[LW]|\\d#\\d")) {
            throw fieldError(expression, field, text, "'" + token + "' is Quartz syntax, not standard cron");
        }
        String hint = field == 3 ? " (a month is 1-12 or JAN-DEC)" : field == 4 ? " (a day of week is 0-7 or SUN-SAT)"
                : " (a number " + MIN[field] + "-" + MAX[field] + ")";
        throw fieldError(expression, field, text, "'" + token + "' is not a valid value" + hint);
    }

    private static IllegalArgumentException fieldError(String expression, int field, String text, String problem) {
        return new IllegalArgumentException("cron expression '" + expression + "': the " + FIELD_NAMES[field]
                + " field '" + text + "' is invalid: " + problem);
    }

    /** With an unrestricted day of week, refuses a day of month that no chosen month has ({@code 0 0 30 2 *}). */
    private static void checkSomeDayExists(String expression, BitSet dom, BitSet months) {
        for (int m = months.nextSetBit(1); m >= 0; m = months.nextSetBit(m + 1)) {
            int longest = java.time.Month.of(m).maxLength();
            if (dom.nextSetBit(1) <= longest) {
                return;
            }
        }
        throw new IllegalArgumentException("cron expression '" + expression + "': the day-of-month field never occurs in the"
                + " month field's months, so it would never fire");
    }

    /** The first tick strictly after {@code after}. */
    public Instant next(Instant after) {
        ZoneRules rules = zone.getRules();
        LocalDateTime t = LocalDateTime.ofInstant(after, zone).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
        while (true) {
            t = nextMatch(t);
            Instant at = resolve(rules, t);
            if (at.isAfter(after)) {
                return at;
            }
            // t lies in the second pass of an overlap (fires only in the first) or moved back over a gap
            t = t.plusMinutes(1);
        }
    }

    /** A wall time as an instant: in a gap, the end of the gap; in an overlap, the first occurrence. */
    private static Instant resolve(ZoneRules rules, LocalDateTime t) {
        List<ZoneOffset> offsets = rules.getValidOffsets(t);
        if (offsets.isEmpty()) {
            ZoneOffsetTransition gap = rules.getTransition(t);
            return gap.getInstant();
        }
        return t.toInstant(offsets.get(0)); // getValidOffsets lists the earlier offset first
    }

    /** The first local time at or after {@code t} whose fields all match. */
    private LocalDateTime nextMatch(LocalDateTime t) {
        int lastYear = t.getYear() + SEARCH_YEARS;
        while (t.getYear() <= lastYear) {
            if (!months.get(t.getMonthValue())) {
                t = t.toLocalDate().withDayOfMonth(1).plusMonths(1).atStartOfDay();
                continue;
            }
            if (!dayMatches(t.toLocalDate())) {
                t = t.toLocalDate().plusDays(1).atStartOfDay();
                continue;
            }
            int h = hours.nextSetBit(t.getHour());
            if (h < 0) {
                t = t.toLocalDate().plusDays(1).atStartOfDay();
                continue;
            }
            if (h > t.getHour()) {
                t = t.withHour(h).withMinute(0);
            }
            int m = minutes.nextSetBit(t.getMinute());
            if (m < 0) {
                t = t.withMinute(0).plusHours(1);
                continue;
            }
            return t.withMinute(m);
        }
        throw new IllegalStateException("cron expression '" + expression + "' matches no time in the " + SEARCH_YEARS
                + " years after " + t.minusYears(SEARCH_YEARS));
    }

    private boolean dayMatches(LocalDate d) {
        boolean dom = daysOfMonth.get(d.getDayOfMonth());
        boolean dow = daysOfWeek.get(d.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : d.getDayOfWeek().getValue());
        if (domRestricted && dowRestricted) {
            return dom || dow;
        }
        return dom && dow;
    }

    String expression() {
        return expression;
    }

    ZoneId zone() {
        return zone;
    }

    @Override
    public String toString() {
        return expression + " " + zone;
    }
}
