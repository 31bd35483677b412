package dev.amdahl.spi;

import java.util.function.Consumer;

/**
 * A result backend's capability to tell every client of every REVOKED record any client stores: how running
 * workers learn of a revocation with one subscription each. Without it, a worker watches each task it holds
 * with {@link ResultBackend#whenReady} instead, which works on every backend but costs a registration (and, on
 * some backends, a read) per task; a backend that announces final records to all clients (Redis pub/sub,
 * PostgreSQL LISTEN) offers this.
 *
 * <pre>{@code
 * Registration feed = revocations.onRevoked(record -> stopIfRunning(record.taskId()));
 * boolean nothingMissed = revocations.revocationFeedComplete();
 * }</pre>
 *
 * <h2>Contract</h2>
 * Checked by the {@code RevocationFeed} tests of {@code ResultBackendContractTest}:
 * <ul>
 *   <li>{@link #onRevoked} calls its listener with every REVOKED record stored from then on, by any client,
 *       until the registration is cancelled, and with no record of another state;</li>
 *   <li>a backend that keeps a log of revocations (at least as long as it keeps results) also replays it: it
 *       calls the listener with the REVOKED records stored before the registration, before {@code onRevoked}
 *       returns, and again with the whole log each time its feed reconnects, so a listener may see one
 *       revocation more than once;</li>
 *   <li>{@link #revocationFeedComplete} is true only while that holds: see there.</li>
 * </ul>
 *
 * @see ResultBackend#capability(Class)
 */
public interface RevocationFeed extends ResultBackend.Capability {

    /**
     * Calls {@code listener} with every REVOKED record stored from now on, by any client, until the
     * registration is cancelled; a backend that keeps a log of revocations first replays it. The listener runs
     * on a backend thread (or the storing or calling thread) and must not block.
     */
    Registration onRevoked(Consumer<TaskRecord> listener);

    /**
     * Whether the feed has passed every REVOKED record stored so far to its listeners, those stored before they
     * registered included: true once the backend replayed its log of revocations since the feed last
     * (re)connected, and as long as it stays connected. A worker that sees true learns of revocations from the
     * feed alone and does not read the records of the tasks it takes for the first time; with false it reads
     * the records of every batch before running it. A revocation stored a moment before a worker takes its task
     * may still be on its way; the worker then handles it as the revocation of a running task.
     *
     * <p>False is always correct; a backend that keeps no log of revocations answers false.
     */
    boolean revocationFeedComplete();
}
