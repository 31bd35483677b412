package dev.amdahl;

import java.util.List;

/**
 * The pending results of a group of tasks (a {@link Task#map map}): completes with all results in the
 * order of the arguments, or with the first failure.
 *
 * <pre>{@code
 * GroupFuture<int[]> tiles = render.map(tilesOf(picture), 4);     // 4 tiles per message
 * for (TaskFuture<int[]> tile : tiles.asCompleted()) {             // as they finish
 *     progress.step();
 * }
 * List<int[]> all = tiles.get();                                   // in argument order
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

    /** How many members have completed (successfully or not). */
    default int completedCount() {
        return (int) members().stream().filter(TaskFuture::isDone).count();
    }
}
