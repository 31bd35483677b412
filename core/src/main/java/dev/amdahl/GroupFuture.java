package dev.amdahl;

import dev.amdahl.scaling.DataMovement;
import dev.amdahl.scaling.JobStats;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * The pending results of a group of tasks (a {@link Task#map map}): completes with all results in the
 * order of the arguments, or with the first failure.
 *
 * <pre>{@code
 * GroupFuture<int[]> tiles = render.map(tilesOf(picture), 4);     // 4 tiles per message
 * for (TaskFuture<int[]> tile : tiles.asCompleted()) {             // as they finish
 *     progress.step();
 * }
 * BufferedImage picture = tiles.combine(Duration.ofMinutes(1), Mandelbrot::stitch); // timed fan-in
 * JobStats stats = tiles.stats();        // serial fraction and Amdahl ceiling of this very job
 * }</pre>
 *
 * @param <R> the result type of one member
 */
public interface GroupFuture<R> extends TaskFuture<List<R>> {

    /** One future per argument, in argument order. Members of one chunk share their task id. */
    List<TaskFuture<R>> members();

    /** The members in the order they complete. */
    default Iterable<TaskFuture<R>> asCompleted() {
        return TaskFuture.asCompleted(members());
    }

    /**
     * Waits up to {@code timeout} for all results, then combines them in the caller's thread. The time
     * the combiner takes counts as serial in {@link #stats()}: it is the fan-in no worker can share.
     *
     * @throws TaskFailedException if a member failed
     * @throws AmdahlException     if the time ran out
     */
    <T> T combine(Duration timeout, Function<? super List<R>, ? extends T> combiner);

    /**
     * Where this job spent its time, measured from its own events: serial = submitting the group and
     * combining the results in the caller ({@link #combine}); parallel = the sum of the members' run
     * times as the workers reported them. The measured serial fraction and Amdahl's ceiling follow.
     *
     * @throws IllegalStateException while the group is still running, or if it failed
     */
    JobStats stats();

    /**
     * What this job moved: the bytes of its messages, of the arguments it stored by reference and of its results, per
     * task and per second of wall time, and the share of the wall time the caller spent moving them. A job whose moving
     * outlasts its computing is logged as a warning when it completes.
     *
     * @throws IllegalStateException while the group is still running, or if it failed
     */
    DataMovement dataMovement();

    /** How many members have completed (successfully or not). */
    default int completedCount() {
        return (int) members().stream().filter(TaskFuture::isDone).count();
    }
}
