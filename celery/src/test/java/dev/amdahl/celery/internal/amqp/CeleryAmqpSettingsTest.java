package dev.amdahl.celery.internal.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CeleryAmqpSettingsTest {

    @Test
    void defaultsAreKombusAndCelery52s() {
        CeleryAmqpSettings s = CeleryAmqpSettings.parse(URI.create("amqp://127.0.0.1"));
        assertThat(s.port()).isEqualTo(5672);
        assertThat(s.virtualHost()).isEqualTo("/");
        assertThat(s.user()).isEqualTo("guest");
        assertThat(s.maxDeliveries()).isEqualTo(CeleryAmqpSettings.DEFAULT_MAX_DELIVERIES);
        assertThat(s.quorum()).isFalse();
        assertThat(CeleryAmqpSettings.parse(URI.create("amqp://h:5672/")).virtualHost()).isEqualTo("/");
        assertThat(CeleryAmqpSettings.parse(URI.create("amqps://h")).port()).isEqualTo(5671);
    }

    @Test
    void theUrlNamesVirtualHostUserAndOptions() {
        CeleryAmqpSettings s = CeleryAmqpSettings.parse(URI.create(
                "amqp://app:p%40ss@rabbit:5673/jobs?max-deliveries=3&timeout=2s&queue-type=quorum"));
        assertThat(s.host()).isEqualTo("rabbit");
        assertThat(s.port()).isEqualTo(5673);
        assertThat(s.virtualHost()).isEqualTo("jobs");
        assertThat(s.user()).isEqualTo("app");
        assertThat(s.password()).isEqualTo("p@ss");
        assertThat(s.maxDeliveries()).isEqualTo(3);
        assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.quorum()).isTrue();
        assertThat(s.toString()).doesNotContain("p@ss");
    }

    @Test
    void aWrongOptionIsRefusedInWordsWithThePasswordMasked() {
        assertThatThrownBy(() -> CeleryAmqpSettings.parse(URI.create("amqp://u:secret@h/?queue-type=stream")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("queue-type must be classic")
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> CeleryAmqpSettings.parse(URI.create("amqp://u:secret@h/?prefetch=3")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("secret");
    }
}
