package dev.amdahl.examples;

import dev.amdahl.GroupFuture;
import dev.amdahl.TaskFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Waits for a group while reporting progress, failing at the first failed member. */
final class GroupRuns {

    private GroupRuns() {
    }

    static <R> List<R> await(GroupFuture<R> group, JobProgress progress) {
        int total = group.members().size();
        int done = 0;
        progress.update(0, total);
        for (TaskFuture<R> member : group.asCompleted()) {
            member.result(Duration.ZERO); // it is done: this throws its failure, if any, without waiting
            progress.update(++done, total);
        }
        // from the members, not the group: the group may complete a moment after its last member
        List<R> results = new ArrayList<>(total);
        for (TaskFuture<R> member : group.members()) {
            results.add(member.result(Duration.ZERO));
        }
        return results;
    }
}
