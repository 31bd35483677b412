package dev.amdahl.celery.internal.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DelayedDeliveryTest {

    @Test
    void aDelayIsItsWholeSecondsAs28BinaryDigitsThenTheQueue() {
        assertThat(DelayedDelivery.routingKey(Duration.ofMillis(5_900), "celery"))
                .isEqualTo("0.".repeat(25) + "1.0.1.celery");
        assertThat(DelayedDelivery.routingKey(Duration.ofSeconds(DelayedDelivery.MAX_DELAY_SECONDS), "q"))
                .isEqualTo("1.".repeat(28) + "q");
    }

    @Test
    void aMessageDueWithinASecondOrPastTheLevelsIsNotDelayedByThem() {
        assertThat(DelayedDelivery.routingKey(Duration.ofMillis(999), "q")).isNull();
        assertThat(DelayedDelivery.routingKey(Duration.ofSeconds(-3), "q")).isNull();
        assertThat(DelayedDelivery.routingKey(Duration.ofSeconds(DelayedDelivery.MAX_DELAY_SECONDS + 1), "q")).isNull();
    }
}
