package dev.amdahl.examples;

import dev.amdahl.GroupFuture;
import dev.amdahl.TaskFuture;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/** Waits for a group while reporting progress, failing at the first failed member, then combines it. */
final class GroupRuns {

    /**
     * How long to wait for the group once its last member is done: it completes from that member's
     * callback, a moment later, so this bound is only ever reached if something is badly wrong.
     */
    private static final Duration GROUP_COMPLETION = Duration.ofSeconds(30);

    private GroupRuns() {
    }

    /**
     * Reports each member as it finishes, then combines the results through the group, so that the
     * combining counts as the job's serial part in {@link GroupFuture#stats()}.
     */
    static <R, T> T combine(GroupFuture<R> group, JobProgress progress, Function<? super List<R>, ? extends T> combiner) {
        int total = group.members().size();
        int done = 0;
        progress.update(0, total);
        for (TaskFuture<R> member : group.asCompleted()) {
            member.result(Duration.ZERO); // it is done: this throws its failure, if any, without waiting
            progress.update(++done, total);
        }
        return group.combine(GROUP_COMPLETION, combiner);
    }
}
