package dev.amdahl;

/**
 * A running scheduler ("beat"): submits the application's periodic tasks ({@link Amdahl#schedule}) when
 * their ticks come due. Made by {@link Amdahl#startScheduler(SchedulerOptions)}; close it when done.
 *
 * <pre>{@code
 * app.schedule("report.nightly", Schedule.cron("0 3 * * *", ZoneId.of("Europe/Berlin")), report.sig("daily"));
 * try (Scheduler beat = app.startScheduler(SchedulerOptions.ofDefaults())) {
 *     ...
 * }
 * }</pre>
 *
 * <h2>Many schedulers, one tick</h2>
 * Run one scheduler per worker host, for availability: each tick is fired by exactly one of them. A
 * scheduler claims a tick with {@link dev.amdahl.spi.Claims#claim} on the key
 * {@code beat:<name>:<tick epoch second>}; only the one that wins the claim submits the task. Then it
 * records the tick as the schedule's last fired one, under the record id {@code beat:<name>}, which is
 * how a scheduler that starts later knows what was missed ({@link MissedTicks}).
 *
 * <p>A tick is fired at most once, and exactly once when its winner stays up long enough to publish it:
 * a scheduler that dies between its claim and the publish loses that tick (a duplicate nightly report is
 * the worse failure). Claims are kept for a day; the backend keeps the last-fired record as long as it keeps
 * results (Redis: its result TTL), so catching up reaches back that far. A result backend without expiring
 * claims ({@link dev.amdahl.spi.Claims}) cannot run a scheduler: {@code startScheduler} says so.
 */
public interface Scheduler extends AutoCloseable {

    /** The scheduler's name, as it appears in logs and in the last-fired records. */
    String name();

    /**
     * Fires what is due now, by the application's clock, and returns how many ticks this scheduler fired
     * (those won by others are not counted). The scheduler's own thread calls it when a tick comes due;
     * tests that move a fake clock call it themselves, with {@link SchedulerOptions#background()} off.
     */
    int tick();

    /** Stops the scheduler; what it fired stays submitted. Idempotent. */
    @Override
    void close();
}
