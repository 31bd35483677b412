package dev.amdahl;

import dev.amdahl.internal.beat.CronExpression;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * When a periodic task fires: a cron expression in a time zone, or a fixed interval; and what happens to
 * ticks missed while no scheduler ran ({@link MissedTicks}). Immutable.
 *
 * <pre>{@code
 * app.schedule("report.nightly", Schedule.cron("0 3 * * *", ZoneId.of("Europe/Berlin")), report.sig("daily"));
 * app.schedule("cache.sweep", Schedule.every(Duration.ofMinutes(5)), sweep.sig(0));
 * app.schedule("invoices", Schedule.cron("0 6 1 * *").onMissed(MissedTicks.FIRE_LATEST), invoices.sig(1));
 * }</pre>
 *
 * <p>Cron syntax, the day-of-month/day-of-week rule and daylight-saving behaviour (a wall time in a
 * spring-forward gap fires at the end of the gap; one repeated in a fall-back overlap fires at its first
 * occurrence only) are described in {@code docs/guide.md}, "Periodic tasks".
 *
 * <p>Every scheduler must compute the same ticks, so that they can agree which of them fires each one:
 * a tick is an instant, identified by its epoch second. Interval ticks are therefore anchored at the
 * epoch (1970-01-01T00:00:00Z), not at the moment a scheduler started: {@code every(Duration.ofHours(1))}
 * fires on the hour, UTC, on every host.
 */
public final class Schedule {

    private final CronExpression cron;
    private final long intervalSeconds;
    private final MissedTicks missed;

    private Schedule(CronExpression cron, long intervalSeconds, MissedTicks missed) {
        this.cron = cron;
        this.intervalSeconds = intervalSeconds;
        this.missed = missed;
    }

    /**
     * A cron schedule in UTC.
     *
     * @throws IllegalArgumentException naming the field and the token that is wrong
     */
    public static Schedule cron(String expression) {
        return cron(expression, ZoneOffset.UTC);
    }

    /**
     * A cron schedule whose fields are wall-clock times in {@code zone}.
     *
     * @throws IllegalArgumentException naming the field and the token that is wrong
     */
    public static Schedule cron(String expression, ZoneId zone) {
        return new Schedule(CronExpression.parse(expression, zone), 0, MissedTicks.SKIP);
    }

    /**
     * A tick every {@code interval}, at the multiples of it since the epoch.
     *
     * @throws IllegalArgumentException unless the interval is a positive whole number of seconds
     */
    public static Schedule every(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero() || interval.getNano() != 0) {
            throw new IllegalArgumentException("a schedule's interval must be a positive whole number of seconds, was " + interval);
        }
        return new Schedule(null, interval.getSeconds(), MissedTicks.SKIP);
    }

    /** This schedule with another policy for missed ticks ({@link MissedTicks#SKIP} by default). */
    public Schedule onMissed(MissedTicks policy) {
        return new Schedule(cron, intervalSeconds, Objects.requireNonNull(policy, "policy"));
    }

    /** The policy for missed ticks. */
    public MissedTicks missedTicks() {
        return missed;
    }

    /** The first tick strictly after {@code after}. */
    public Instant nextAfter(Instant after) {
        if (cron != null) {
            return cron.next(after);
        }
        long k = Math.floorDiv(after.getEpochSecond(), intervalSeconds);
        return Instant.ofEpochSecond((k + 1) * intervalSeconds);
    }

    /**
     * The last tick at or before {@code atOrBefore}, but not before {@code notBefore}; {@code null} if none.
     * Schedulers use it to find the tick a missed interval should catch up on.
     */
    public Instant latestBetween(Instant notBefore, Instant atOrBefore) {
        if (cron == null) {
            long k = Math.floorDiv(atOrBefore.getEpochSecond(), intervalSeconds);
            Instant t = Instant.ofEpochSecond(k * intervalSeconds);
            return t.isBefore(notBefore) ? null : t;
        }
        Instant latest = null;
        for (Instant t = cron.next(notBefore.minusNanos(1)); !t.isAfter(atOrBefore); t = cron.next(t)) {
            latest = t;
        }
        return latest;
    }

    @Override
    public String toString() {
        String when = cron != null ? "cron(" + cron + ")" : "every(" + Duration.ofSeconds(intervalSeconds) + ")";
        return missed == MissedTicks.SKIP ? when : when + ".onMissed(" + missed + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Schedule s && s.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }
}
