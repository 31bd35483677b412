package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.spi.TaskRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(10)
class TaskStateTest {

    /** Every state a user can be told about is one the runtime stores (PENDING: none stored yet); no RECEIVED. */
    @Test
    void theStatesAreThoseTheRuntimeStores() {
        assertThat(TaskState.values()).containsExactly(TaskState.PENDING, TaskState.STARTED, TaskState.SUCCESS,
                TaskState.FAILURE, TaskState.RETRY, TaskState.REVOKED);
    }

    /** The README's Concepts table lists exactly the enum's states. */
    @Test
    void theReadmeListsExactlyTheStates() throws Exception {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("../README.md"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("with the task's id and state \\(([A-Z, ]+);").matcher(readme);
        assertThat(m.find()).as("the README's TaskFuture row lists the states").isTrue();
        assertThat(m.group(1).split(", ")).containsExactly(java.util.Arrays.stream(TaskState.values())
                .map(Enum::name).toArray(String[]::new));
    }

    @ParameterizedTest
    @EnumSource(value = TaskState.class, names = {"SUCCESS", "FAILURE", "REVOKED"})
    void finalStatesMoveNowhere(TaskState done) {
        assertThat(done.isReady()).isTrue();
        for (TaskState next : TaskState.values()) {
            assertThat(done.canMoveTo(next)).as("%s -> %s", done, next).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TaskState.class, names = {"PENDING", "STARTED", "RETRY"})
    void openStatesMoveAnywhereButBackToPending(TaskState open) {
        assertThat(open.isReady()).isFalse();
        for (TaskState next : TaskState.values()) {
            assertThat(open.canMoveTo(next)).as("%s -> %s", open, next).isEqualTo(next != TaskState.PENDING);
        }
    }

    @Test
    void anIllegalMoveIsAnErrorNamingBothStates() {
        TaskRecord done = TaskRecord.pending("t-1", "x").moveTo(TaskState.STARTED).moveTo(TaskState.SUCCESS);

        assertThatThrownBy(() -> done.moveTo(TaskState.STARTED))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("t-1")
                .hasMessageContaining("from SUCCESS to STARTED")
                .hasMessageContaining("final");
    }
}
