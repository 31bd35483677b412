package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Cron parsing and next-fire computation, interval schedules, DST in Europe/Berlin both ways. */
class ScheduleTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static Instant utc(String localDateTime) {
        return LocalDateTime.parse(localDateTime).toInstant(ZoneOffset.UTC);
    }

    /** The next {@code n} ticks after {@code from}, as UTC wall times. */
    private static List<String> ticks(Schedule s, String fromUtc, int n) {
        List<String> out = new ArrayList<>();
        Instant t = utc(fromUtc);
        for (int i = 0; i < n; i++) {
            t = s.nextAfter(t);
            out.add(LocalDateTime.ofInstant(t, ZoneOffset.UTC).toString());
        }
        return out;
    }

    @Test
    void everyMinuteFiresOnTheNextWholeMinuteStrictlyAfter() {
        Schedule s = Schedule.cron("* * * * *");
        assertThat(ticks(s, "2026-05-04T10:00:30", 2)).containsExactly("2026-05-04T10:01", "2026-05-04T10:02");
        assertThat(ticks(s, "2026-05-04T10:01:00", 1)).containsExactly("2026-05-04T10:02");
    }

    @Test
    void stepsRangesAndLists() {
        assertThat(ticks(Schedule.cron("*/15 * * * *"), "2026-05-04T10:07", 4))
                .containsExactly("2026-05-04T10:15", "2026-05-04T10:30", "2026-05-04T10:45", "2026-05-04T11:00");
        assertThat(ticks(Schedule.cron("0-30/10 9 * * *"), "2026-05-04T09:00", 4))
                .containsExactly("2026-05-04T09:10", "2026-05-04T09:20", "2026-05-04T09:30", "2026-05-05T09:00");
        assertThat(ticks(Schedule.cron("5/20 * * * *"), "2026-05-04T10:00", 3))
                .containsExactly("2026-05-04T10:05", "2026-05-04T10:25", "2026-05-04T10:45");
        assertThat(ticks(Schedule.cron("0 1,2,5-7 * * *"), "2026-05-04T00:00", 6)).containsExactly(
                "2026-05-04T01:00", "2026-05-04T02:00", "2026-05-04T05:00", "2026-05-04T06:00", "2026-05-04T07:00", "2026-05-05T01:00");
    }

    @Test
    void namesOfMonthsAndDaysInAnyCaseAndSundayAsSeven() {
        // 2026-01-01 is a Thursday
        assertThat(ticks(Schedule.cron("0 8 * jan,MAR Mon-Fri"), "2026-01-29T12:00", 3))
                .containsExactly("2026-01-30T08:00", "2026-03-02T08:00", "2026-03-03T08:00");
        assertThat(ticks(Schedule.cron("0 0 * * 7"), "2026-01-01T00:00", 1)).containsExactly("2026-01-04T00:00");
        assertThat(ticks(Schedule.cron("0 0 * * SUN"), "2026-01-01T00:00", 1)).containsExactly("2026-01-04T00:00");
        assertThat(ticks(Schedule.cron("0 0 * * 0"), "2026-01-01T00:00", 1)).containsExactly("2026-01-04T00:00");
    }

    @Test
    void dayOfMonthOrDayOfWeekWhenBothAreRestrictedAsInCron() {
        // the 13th and every Friday: Fri 2, Fri 9, Tue 13, Fri 16
        assertThat(ticks(Schedule.cron("0 0 13 * FRI"), "2026-01-01T00:00", 4))
                .containsExactly("2026-01-02T00:00", "2026-01-09T00:00", "2026-01-13T00:00", "2026-01-16T00:00");
    }

    @Test
    void aFieldStartingWithAStarIsUnrestrictedForTheOrRule() {
        // "*/2" in day-of-month counts as "*": both must match, so Mondays on odd days: 5, 19, then Feb 9
        assertThat(ticks(Schedule.cron("0 0 */2 * MON"), "2026-01-01T00:00", 3))
                .containsExactly("2026-01-05T00:00", "2026-01-19T00:00", "2026-02-09T00:00");
    }

    @Test
    void monthEndsAreSkippedWhenTheDayDoesNotExist() {
        assertThat(ticks(Schedule.cron("0 0 31 * *"), "2026-01-31T00:00", 3))
                .containsExactly("2026-03-31T00:00", "2026-05-31T00:00", "2026-07-31T00:00");
        assertThat(ticks(Schedule.cron("59 23 30 * *"), "2026-02-01T00:00", 1))
                .containsExactly("2026-03-30T23:59");
        assertThat(ticks(Schedule.cron("0 0 1 * *"), "2026-12-15T00:00", 2)).containsExactly("2027-01-01T00:00", "2027-02-01T00:00");
    }

    @Test
    void leapDaysOnlyInLeapYearsAndNotIn2100() {
        Schedule s = Schedule.cron("0 0 29 2 *");
        assertThat(ticks(s, "2026-03-01T00:00", 2)).containsExactly("2028-02-29T00:00", "2032-02-29T00:00");
        assertThat(ticks(s, "2096-03-01T00:00", 1)).containsExactly("2104-02-29T00:00");
    }

    @Test
    void macros() {
        assertThat(ticks(Schedule.cron("@daily"), "2026-05-04T10:00", 1)).containsExactly("2026-05-05T00:00");
        assertThat(ticks(Schedule.cron("@hourly"), "2026-05-04T10:00", 1)).containsExactly("2026-05-04T11:00");
        assertThat(ticks(Schedule.cron("@weekly"), "2026-05-04T10:00", 1)).containsExactly("2026-05-10T00:00");
        assertThat(ticks(Schedule.cron("@MONTHLY"), "2026-05-04T10:00", 1)).containsExactly("2026-06-01T00:00");
        assertThat(ticks(Schedule.cron("@yearly"), "2026-05-04T10:00", 1)).containsExactly("2027-01-01T00:00");
    }

    @Test
    void wallTimesAreInTheScheduleZone() {
        // 03:00 in Berlin is 02:00 UTC in winter and 01:00 UTC in summer
        Schedule s = Schedule.cron("0 3 * * *", BERLIN);
        assertThat(ticks(s, "2026-01-10T00:00", 1)).containsExactly("2026-01-10T02:00");
        assertThat(ticks(s, "2026-07-10T00:00", 1)).containsExactly("2026-07-10T01:00");
    }

    @Test
    void springForwardInBerlinMovesAMissingWallTimeToTheEndOfTheGap() {
        // 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00 UTC); 02:00-02:59 does not exist
        assertThat(ticks(Schedule.cron("30 2 * * *", BERLIN), "2026-03-28T12:00", 2))
                .containsExactly("2026-03-29T01:00", "2026-03-30T00:30");
        // 02:00, 02:15, 02:30, 02:45 and 03:00 all land on 01:00 UTC: one tick
        assertThat(ticks(Schedule.cron("*/15 * * * *", BERLIN), "2026-03-29T00:30", 4))
                .containsExactly("2026-03-29T00:45", "2026-03-29T01:00", "2026-03-29T01:15", "2026-03-29T01:30");
        assertThat(ticks(Schedule.cron("0 * * * *", BERLIN), "2026-03-28T23:30", 3))
                .containsExactly("2026-03-29T00:00", "2026-03-29T01:00", "2026-03-29T02:00");
    }

    @Test
    void fallBackInBerlinFiresARepeatedWallTimeOnceAtItsFirstOccurrence() {
        // 2026-10-25: 03:00 CEST becomes 02:00 CET (01:00 UTC); 02:00-02:59 happens twice
        assertThat(ticks(Schedule.cron("30 2 * * *", BERLIN), "2026-10-24T12:00", 2))
                .containsExactly("2026-10-25T00:30", "2026-10-26T01:30");
        assertThat(ticks(Schedule.cron("0 * * * *", BERLIN), "2026-10-24T23:30", 3))
                .containsExactly("2026-10-25T00:00", "2026-10-25T02:00", "2026-10-25T03:00");
        // from inside the second pass, the next tick is the first wall time not yet seen
        assertThat(ticks(Schedule.cron("*/30 * * * *", BERLIN), "2026-10-25T01:10", 1)).containsExactly("2026-10-25T02:00");
    }

    @Test
    void intervalsAreAnchoredAtTheEpoch() {
        Schedule s = Schedule.every(Duration.ofMinutes(5));
        assertThat(ticks(s, "2026-05-04T10:02:17", 2)).containsExactly("2026-05-04T10:05", "2026-05-04T10:10");
        assertThat(ticks(s, "2026-05-04T10:05:00", 1)).containsExactly("2026-05-04T10:10");
        assertThat(Schedule.every(Duration.ofSeconds(7)).nextAfter(Instant.ofEpochSecond(699))).isEqualTo(Instant.ofEpochSecond(700));
        assertThat(s.latestBetween(utc("2026-05-04T10:00"), utc("2026-05-04T10:12"))).isEqualTo(utc("2026-05-04T10:10"));
        assertThat(s.latestBetween(utc("2026-05-04T10:11"), utc("2026-05-04T10:12"))).isNull();
    }

    @Test
    void intervalsMustBeWholePositiveSeconds() {
        assertThatThrownBy(() -> Schedule.every(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
        assertThatThrownBy(() -> Schedule.every(Duration.ofSeconds(-5))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Schedule.every(Duration.ofMillis(1500))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("whole number of seconds");
    }

    @Test
    void missedTickPolicyIsPartOfTheSchedule() {
        Schedule s = Schedule.cron("0 3 * * *", BERLIN);
        assertThat(s.missedTicks()).isEqualTo(MissedTicks.SKIP);
        assertThat(s.onMissed(MissedTicks.FIRE_ALL).missedTicks()).isEqualTo(MissedTicks.FIRE_ALL);
        assertThat(s.onMissed(MissedTicks.FIRE_ALL)).isNotEqualTo(s).hasToString("cron(0 3 * * * Europe/Berlin).onMissed(FIRE_ALL)");
        assertThat(Schedule.every(Duration.ofMinutes(5))).hasToString("every(PT5M)");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            60 * * * *        | the minute field '60' is invalid: '60' is out of range 0-59
            * 24 * * *        | the hour field '24' is invalid: '24' is out of range 0-23
            * * 0 * *         | the day-of-month field '0' is invalid: '0' is out of range 1-31
            * * 32 * *        | the day-of-month field '32' is invalid: '32' is out of range 1-31
            * * * 13 *        | the month field '13' is invalid: '13' is out of range 1-12
            * * * FOO *       | the month field 'FOO' is invalid: 'FOO' is not a valid value (a month is 1-12 or JAN-DEC)
            0 0 * MON *       | the month field 'MON' is invalid: 'MON' is not a valid value
            0 0 * * 8         | the day-of-week field '8' is invalid: '8' is out of range 0-7
            0 0 * * MON-XYZ   | the day-of-week field 'MON-XYZ' is invalid: 'XYZ' is not a valid value
            0 0 * * MON-      | the day-of-week field 'MON-' is invalid: a range is missing a value
            */0 * * * *       | the minute field '*/0' is invalid: the step '0' in '*/0' must be 1 to 59
            */x * * * *       | the minute field '*/x' is invalid: the step 'x' in '*/x' is not a number
            5-1 * * * *       | the minute field '5-1' is invalid: the range '5-1' runs backwards
            1,,2 * * * *      | the minute field '1,,2' is invalid: an empty list item
            0 0 ? * *         | the day-of-month field '?' is invalid: '?' is Quartz syntax
            0 0 L * *         | the day-of-month field 'L' is invalid: 'L' is Quartz syntax
            0 0 15W * *       | the day-of-month field '15W' is invalid: '15W' is Quartz syntax
            0 0 * * 6#3       | the day-of-week field '6#3' is invalid: '6#3' is Quartz syntax
            0 0 30 2 *        | the day-of-month field never occurs in the month field's months
            * * * *           | has 4 field(s); expected 5
            0 * * * * *       | has 6 field(s); expected 5: minute hour day-of-month month day-of-week (a seconds
            @reboot           | unknown macro
            1.5 * * * *       | the minute field '1.5' is invalid: '1.5' is not a valid value
            """)
    void malformedExpressionsNameTheFieldAndTheToken(String expression, String message) {
        assertThatThrownBy(() -> Schedule.cron(expression.strip()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cron expression '" + expression.strip() + "'")
                .hasMessageContaining(message.strip());
    }

    @Test
    void emptyOrNullExpressionsAreRefused() {
        assertThatThrownBy(() -> Schedule.cron("  ")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> Schedule.cron(null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    }
}
