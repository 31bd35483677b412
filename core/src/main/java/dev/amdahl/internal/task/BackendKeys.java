package dev.amdahl.internal.task;

/**
 * Every key the runtime writes into a result backend besides task records, in one place, so that one reading
 * can see what lives there and what clears it. Backends may prefix them (Redis: {@code <prefix>:v:...}).
 *
 * <table>
 *   <caption>Keys and their lifetimes</caption>
 *   <tr><th>key</th><th>written by</th><th>cleared</th></tr>
 *   <tr><td>{@code amdahl:idempotency:<task>:<key>}</td><td>a submission with an idempotency key</td><td>its window (TTL)</td></tr>
 *   <tr><td>{@code rate:<task>:<window>}</td><td>workers booking a global rate limit window</td><td>two windows (TTL)</td></tr>
 *   <tr><td>{@code chord:<id>}, {@code chord:<id>:counted:<member>}, {@code chord:<id>:failed}</td><td>workers counting a chord's header down</td><td>as the backend keeps counters</td></tr>
 *   <tr><td>{@code beat:<entry>:<tick>}</td><td>the scheduler that fires a tick (a claim)</td><td>the claim's TTL</td></tr>
 *   <tr><td>{@code beat:<entry>} (a record id)</td><td>the scheduler that fired the last tick</td><td>the backend's result TTL</td></tr>
 * </table>
 */
public final class BackendKeys {

    private BackendKeys() {
    }

    /** The first submission's task id under an idempotency key. */
    public static String idempotency(String taskName, String key) {
        return "amdahl:idempotency:" + taskName + ":" + key;
    }

    /** The runs booked in one window of a task's global rate limit. */
    public static String rateWindow(String taskName, long window) {
        return "rate:" + taskName + ":" + window;
    }

    /** How many members of a chord's header have ended. */
    public static String chordDone(String chordId) {
        return "chord:" + chordId;
    }

    /** Whether one member of a chord was counted already (a redelivered member counts once). */
    public static String chordMemberCounted(String chordId, String memberId) {
        return "chord:" + chordId + ":counted:" + memberId;
    }

    /** Whether a chord's failure was handled already (its error callbacks run once). */
    public static String chordFailed(String chordId) {
        return "chord:" + chordId + ":failed";
    }

    /** The claim on one tick of a periodic task, won by one scheduler. */
    public static String beatTick(String entry, long epochSecond) {
        return "beat:" + entry + ":" + epochSecond;
    }

    /** The id of the record of the last tick a periodic task fired. */
    public static String beatLastFired(String entry) {
        return "beat:" + entry;
    }
}
