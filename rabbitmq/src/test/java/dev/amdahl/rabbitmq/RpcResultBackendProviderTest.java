package dev.amdahl.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.rabbitmq.internal.RabbitSettings;
import dev.amdahl.spi.ResultBackendProvider;
import java.net.URI;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RpcResultBackendProviderTest {

    @Test
    void theServiceLoaderFindsItForRpcAndRpcs() {
        assertThat(ServiceLoader.load(ResultBackendProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.schemes().contains("rpc") && p.schemes().contains("rpcs")).toList()).hasSize(1);
    }

    @Test
    void anRpcUrlIsTheBrokersUrlWithItsOptions() {
        RabbitSettings s = RabbitSettings.parse(RpcResultBackendProvider.asAmqp(
                URI.create("rpc://app:s%40cret@rabbit.example:5673/%2Fprod?queue-type=quorum&max-deliveries=3&timeout=2s")));
        assertThat(s.host()).isEqualTo("rabbit.example");
        assertThat(s.port()).isEqualTo(5673);
        assertThat(s.virtualHost()).isEqualTo("/prod");
        assertThat(s.user()).isEqualTo("app");
        assertThat(s.password()).isEqualTo("s@cret");
        assertThat(s.maxDeliveries()).isEqualTo(3);
        assertThat(s.timeout().toMillis()).isEqualTo(2_000);
        assertThat(s.tls()).isNull();
    }

    @Test
    void rpcsIsTls() {
        RabbitSettings s = RabbitSettings.parse(RpcResultBackendProvider.asAmqp(URI.create("RPCS://h/?verify-peer=none")));
        assertThat(s.port()).isEqualTo(5671);
        assertThat(s.tls()).isNotNull();
        assertThat(s.tls().verifyPeer()).isFalse();
    }

    @Test
    void aWrongUrlIsRefusedWithoutItsPassword() {
        assertThatThrownBy(() -> RpcResultBackendProvider.asAmqp(URI.create("amqp://u:hunter2@h/")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rpc://")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> RabbitSettings.parse(RpcResultBackendProvider.asAmqp(URI.create("rpc://u:hunter2@h/?colour=red"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("colour")
                .hasMessageNotContaining("hunter2");
    }
}
