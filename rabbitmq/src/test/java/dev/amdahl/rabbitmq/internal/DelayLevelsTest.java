package dev.amdahl.rabbitmq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class DelayLevelsTest {

    @Test
    void theRoutingKeyIsTheDelaysBinaryDigitsMostSignificantFirstThenTheQueue() {
        String key = DelayLevels.routingKey(5, "tiles");
        assertThat(key).isEqualTo("0.".repeat(25) + "1.0.1.tiles");
        assertThat(key.split("\\.")).hasSize(DelayLevels.LEVELS + 1);
        assertThat(DelayLevels.routingKey(DelayLevels.MAX_DELAY_SECONDS, "a.b")).isEqualTo("1.".repeat(28) + "a.b");
    }

    @Test
    void delaysAreWholeSecondsRoundedUpSoNothingIsEarly() {
        assertThat(DelayLevels.seconds(Duration.ofMillis(1))).isEqualTo(1);
        assertThat(DelayLevels.seconds(Duration.ofMillis(1000))).isEqualTo(1);
        assertThat(DelayLevels.seconds(Duration.ofMillis(1001))).isEqualTo(2);
        assertThat(DelayLevels.seconds(Duration.ofSeconds(DelayLevels.MAX_DELAY_SECONDS))).isEqualTo(DelayLevels.MAX_DELAY_SECONDS);
        assertThatThrownBy(() -> DelayLevels.seconds(Duration.ofSeconds(DelayLevels.MAX_DELAY_SECONDS + 1)))
                .hasMessageContaining("8.5 years");
    }
}
