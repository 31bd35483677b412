package dev.amdahl.spi;

import java.util.function.Consumer;

/**
 * A result backend's capability to push the non-final records of a task (progress reports, retries) to the
 * clients that ask. Without it, a client reads {@link ResultBackend#get} now and then instead (every 250 ms),
 * which works on every backend; a backend that can push (pub/sub, LISTEN) offers this.
 *
 * <pre>{@code
 * Registration updates = feed.onUpdate(taskId, record -> bar.show(record.progress()));
 * }</pre>
 *
 * <h2>Contract</h2>
 * Checked by the {@code UpdateFeed} tests of {@code ResultBackendContractTest}: {@link #onUpdate} calls its
 * listener with each record stored for the task that is not final (STARTED with progress, RETRY...), by any
 * client, in the order they were stored, until the task's final record is stored or the registration is
 * cancelled; never with a final record.
 *
 * @see ResultBackend#capability(Class)
 */
public interface UpdateFeed extends ResultBackend.Capability {

    /**
     * Calls {@code listener} with every non-final record stored for {@code taskId} from now on, in order, until
     * the task ends or the registration is cancelled. The listener runs on a backend thread (or the storing
     * thread) and must not block.
     */
    Registration onUpdate(String taskId, Consumer<TaskRecord> listener);
}
