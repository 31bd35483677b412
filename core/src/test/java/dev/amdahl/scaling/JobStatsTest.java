package dev.amdahl.scaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.amdahl.internal.json.Json;
import org.junit.jupiter.api.Test;

class JobStatsTest {

    @Test
    void serialFractionCeilingAndPrediction() {
        JobStats stats = new JobStats(2.0, 98.0);
        assertThat(stats.totalSeconds()).isEqualTo(100.0);
        assertThat(stats.serialFraction()).isCloseTo(0.02, within(1e-12));
        assertThat(stats.ceiling()).isCloseTo(50.0, within(1e-9));
        assertThat(stats.predictedSpeedup(16)).isCloseTo(12.31, within(0.005));
        assertThat(stats.predictedSpeedup(1)).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void nothingSerialHasNoCeiling() {
        JobStats stats = new JobStats(0.0, 10.0);
        assertThat(stats.serialFraction()).isZero();
        assertThat(stats.ceiling()).isInfinite();
        assertThat(stats.predictedSpeedup(8)).isEqualTo(8.0);
    }

    @Test
    void rejectsNegativeAndEmptyTimes() {
        assertThatThrownBy(() -> new JobStats(-1.0, 5.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("serialSeconds");
        assertThatThrownBy(() -> new JobStats(1.0, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parallelSeconds");
        assertThatThrownBy(() -> new JobStats(0.0, 0.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("both 0");
    }

    @Test
    void serialisesAsItsTwoComponents() throws Exception {
        String json = Json.mapper().writeValueAsString(new JobStats(1.5, 8.5));
        assertThat(json).isEqualTo("{\"serialSeconds\":1.5,\"parallelSeconds\":8.5}");
        assertThat(Json.mapper().readValue(json, JobStats.class)).isEqualTo(new JobStats(1.5, 8.5));
    }
}
