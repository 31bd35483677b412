package dev.amdahl;

/**
 * What a scheduler does with the ticks of a {@link Schedule} that came due while no scheduler could fire
 * them (every scheduler was down, or its host was suspended).
 *
 * <pre>{@code
 * app.schedule("invoice.run", Schedule.cron("0 6 1 * *").onMissed(MissedTicks.FIRE_LATEST), invoices.sig(month));
 * }</pre>
 *
 * The schedulers know what was fired from the last tick they store in the result backend (see
 * {@link Scheduler}); a tick that came due while some scheduler was running was fired by it, once.
 */
public enum MissedTicks {
    /**
     * The default: missed ticks are dropped and the schedule goes on with the next tick still to come. If a
     * running scheduler finds several ticks due at once (its host was suspended), it fires only the latest.
     */
    SKIP,
    /** Every missed tick is fired, oldest first, each once. Mind a frequent schedule after a long outage. */
    FIRE_ALL,
    /** Only the most recent missed tick is fired, once; the older ones are dropped. */
    FIRE_LATEST
}
