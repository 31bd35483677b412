package dev.amdahl.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ProviderContext;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code amqps://} against a private node that listens for TLS with a certificate of the test CA: trusted by
 * {@code ca-file}, refused when signed by a CA the client does not trust, encrypted but unauthenticated with
 * {@code verify-peer=none}.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RabbitTlsIT {

    @RegisterExtension
    static final PrivateRabbit rabbit = PrivateRabbit.forTestClass(true);

    private static Broker open(String options) {
        URI url = URI.create("amqps://guest:guest@127.0.0.1:" + rabbit.tlsPort() + "/?" + options);
        return new RabbitBrokerProvider().open(url, ProviderContext.ofDefaults());
    }

    @Test
    void aServerSignedByTheCaInCaFileIsTrustedAndCarriesMessages() throws Exception {
        try (Broker broker = open("ca-file=" + rabbit.certificates().file("ca.crt"))) {
            broker.publish("tls", OutboundMessage.of("m-1", new byte[] {42}));
            List<Delivery> got = broker.poll(List.of("tls"), 1, Duration.ofSeconds(10));
            assertThat(got).extracting(Delivery::messageId).containsExactly("m-1");
            broker.ack(got.get(0));
        }
    }

    @Test
    void aServerSignedByAnotherCaIsRefusedWithAMessageThatSaysWhere() {
        assertThatThrownBy(() -> open("ca-file=" + rabbit.certificates().file("rogue-ca.crt")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot connect to RabbitMQ at amqps://127.0.0.1:" + rabbit.tlsPort())
                .hasMessageContaining("not signed by a CA this client trusts").hasMessageContaining("ca-file=")
                .hasMessageNotContaining("guest:guest");
    }

    @Test
    void verifyPeerNoneEncryptsWithoutCheckingTheServer() throws Exception {
        try (Broker broker = open("verify-peer=none")) {
            broker.publish("tls-none", OutboundMessage.of("m-1", new byte[] {1}));
            assertThat(broker.poll(List.of("tls-none"), 1, Duration.ofSeconds(10))).hasSize(1);
        }
    }
}
