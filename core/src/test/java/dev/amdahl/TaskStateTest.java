package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.spi.TaskRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TaskStateTest {

    @ParameterizedTest
    @EnumSource(value = TaskState.class, names = {"SUCCESS", "FAILURE", "REVOKED"})
    void finalStatesMoveNowhere(TaskState done) {
        assertThat(done.isReady()).isTrue();
        for (TaskState next : TaskState.values()) {
            assertThat(done.canMoveTo(next)).as("%s -> %s", done, next).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TaskState.class, names = {"PENDING", "RECEIVED", "STARTED", "RETRY"})
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
