package dev.amdahl.examples;

/**
 * Told how far a {@link DemoJob} run has got, after each task it finishes.
 *
 * <pre>{@code
 * job.run(app, (done, total) -> bar.redraw(done, total));
 * }</pre>
 */
@FunctionalInterface
public interface JobProgress {

    /** Reports nothing. */
    JobProgress NONE = (done, total) -> { };

    /** {@code done} of the run's {@code total} tasks have finished. */
    void update(int done, int total);
}
