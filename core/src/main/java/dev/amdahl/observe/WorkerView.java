package dev.amdahl.observe;

import java.util.List;

/**
 * A running worker as an observer may sample it, for gauges: read at any time from any thread, until
 * {@link TaskObserver#workerStopped}.
 */
public interface WorkerView {

    /** The worker's name, as in task records and logs. */
    String name();

    /** The queues it consumes. */
    List<String> queues();

    /** How many tasks it runs at once at most. */
    int concurrency();

    /** How many messages it holds at most (running plus waiting). */
    int prefetch();

    /** How many tasks run now: between {@link TaskObserver#started} and the end of their run. */
    int runningCount();

    /** How many messages it holds now: taken from the broker and not yet settled. */
    int heldCount();

    /**
     * How many messages wait in {@code queue} at the broker now. A broker call: it may be slow or fail (then it
     * throws), so sample it, do not call it per task.
     */
    long queueDepth(String queue);
}
