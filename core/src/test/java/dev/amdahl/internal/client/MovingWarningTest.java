package dev.amdahl.internal.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.scaling.DataMovement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class MovingWarningTest {

    @Test
    void largeMessagesThatTakeLongerToMoveThanToComputeAreAdvisedToGoByReference() {
        DataMovement heavy = new DataMovement(8, 8L * 1024 * 1024, 0, 64, 2.5, 1.0, 3.0);

        assertThat(DefaultGroupFuture.movingWarning("g1", heavy)).hasValueSatisfying(w -> assertThat(w)
                .contains("group g1 spent 2.500 s moving data and 1.000 s computing", "byReferenceAbove")
                .doesNotContain("fixed cost"));
    }

    @Test
    void smallMessagesAreAdvisedToCarryMoreWorkNotToGoByReference() {
        DataMovement chatty = new DataMovement(4, 366, 0, 0, 1.29, 0.2, 1.5);

        assertThat(DefaultGroupFuture.movingWarning("g2", chatty)).hasValueSatisfying(w -> assertThat(w)
                .contains("fixed cost", "chunkSize").doesNotContain("byReferenceAbove"));
    }

    @Test
    void underASecondOfMovingOrMoreComputingThanMovingSaysNothing() {
        assertThat(DefaultGroupFuture.movingWarning("g3", new DataMovement(8, 1 << 24, 0, 0, 0.9, 0.1, 1.0))).isEmpty();
        assertThat(DefaultGroupFuture.movingWarning("g4", new DataMovement(8, 1 << 24, 0, 0, 2.0, 5.0, 6.0))).isEmpty();
    }
}
