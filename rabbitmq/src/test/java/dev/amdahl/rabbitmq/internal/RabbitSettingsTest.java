package dev.amdahl.rabbitmq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.rabbitmq.internal.RabbitSettings.QueueType;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RabbitSettingsTest {

    private static RabbitSettings parse(String url) {
        return RabbitSettings.parse(URI.create(url));
    }

    @Test
    void defaultsAreClassicQueuesOnTheDefaultVhostAsGuest() {
        RabbitSettings s = parse("amqp://127.0.0.1");
        assertThat(s.port()).isEqualTo(5672);
        assertThat(s.virtualHost()).isEqualTo("/");
        assertThat(s.user()).isEqualTo("guest");
        assertThat(s.password()).isEqualTo("guest");
        assertThat(s.queueType()).isEqualTo(QueueType.CLASSIC);
        assertThat(s.maxDeliveries()).isEqualTo(5);
        assertThat(s.prefetchMultiplier()).isEqualTo(1);
        assertThat(s.confirmBatch()).isEqualTo(1000);
        assertThat(s.tls()).isNull();
    }

    @Test
    void thePathIsTheVirtualHostAsKombuReadsIt() {
        assertThat(parse("amqp://h/").virtualHost()).isEqualTo("/");
        assertThat(parse("amqp://h//").virtualHost()).isEqualTo("/");
        assertThat(parse("amqp://h/app").virtualHost()).isEqualTo("app");
        assertThat(parse("amqp://h/%2Fapp").virtualHost()).isEqualTo("/app");
        assertThatThrownBy(() -> parse("amqp://h/a/b")).hasMessageContaining("one virtual host").hasMessageContaining("%2F");
    }

    @Test
    void optionsAreReadAndCheckedByName() {
        RabbitSettings s = parse("amqp://u:p%40ss@h:5673/v?queue-type=quorum&max-deliveries=9&prefetch-multiplier=2"
                + "&confirm-batch=50&timeout=3s");
        assertThat(s.user()).isEqualTo("u");
        assertThat(s.password()).isEqualTo("p@ss");
        assertThat(s.port()).isEqualTo(5673);
        assertThat(s.queueType()).isEqualTo(QueueType.QUORUM);
        assertThat(s.maxDeliveries()).isEqualTo(9);
        assertThat(s.prefetchMultiplier()).isEqualTo(2);
        assertThat(s.confirmBatch()).isEqualTo(50);
        assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(3));

        assertThatThrownBy(() -> parse("amqp://h/?queue-type=stream")).hasMessageContaining("queue-type must be classic or quorum");
        assertThatThrownBy(() -> parse("amqp://h/?prefetch=3")).hasMessageContaining("unknown RabbitMQ URL option 'prefetch'");
        assertThatThrownBy(() -> parse("amqp://h/?max-deliveries=0")).hasMessageContaining("max-deliveries");
        assertThatThrownBy(() -> parse("amqp://h/?ca-file=/etc/hosts")).hasMessageContaining("amqps://");
    }

    @Test
    void amqpsDefaultsToPort5671AndVerifiesThePeer() {
        RabbitSettings s = parse("amqps://h");
        assertThat(s.port()).isEqualTo(5671);
        assertThat(s.tls().verifyPeer()).isTrue();
        assertThat(parse("amqps://h?verify-peer=none").tls().verifyPeer()).isFalse();
        assertThatThrownBy(() -> parse("amqps://h?ca-file=/no/such/file")).hasMessageContaining("not a file");
    }

    @Test
    void thePasswordIsNeverShown() {
        RabbitSettings s = parse("amqp://u:secret@h/");
        assertThat(s.toString()).doesNotContain("secret");
        assertThat(s.address()).doesNotContain("secret");
        assertThatThrownBy(() -> parse("amqp://u:secret@/x")).hasMessageNotContaining("secret");
        assertThatThrownBy(() -> parse("redis://u:secret@h")).hasMessageNotContaining("secret");
    }
}
