package dev.amdahl.rabbitmq;

import dev.amdahl.redis.RedisResultBackendProvider;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.testkit.ChaosContractTest;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The chaos suite on RabbitMQ: worker JVMs reach a private RabbitMQ node through the suite's proxy, so the suite may
 * SIGKILL and restart it (durable queues, persistent messages: what it confirmed survives); results go to the shared
 * Redis under a prefix of this run's own. The shared RabbitMQ is never touched.
 */
class RabbitChaosContractIT extends ChaosContractTest {

    private static final String REDIS = "redis://127.0.0.1:6379/0?prefix=chaos-rabbit-" + UUID.randomUUID();
    @RegisterExtension
    static final PrivateRabbit rabbit = PrivateRabbit.forTestClass(false);

    private static URI url(String hostPort, Settings s) {
        return URI.create("amqp://guest:guest@" + hostPort + "/?max-deliveries=" + s.maxDeliveries());
    }

    @Override
    protected Broker openBroker(Settings s) {
        return new RabbitBrokerProvider().open(url("127.0.0.1:" + rabbit.port(), s), ProviderContext.ofDefaults());
    }

    @Override
    protected ResultBackend openResultBackend(Settings s) {
        return new RedisResultBackendProvider().open(URI.create(REDIS), ProviderContext.ofDefaults());
    }

    @Override
    protected boolean workersInOtherJvms() {
        return true;
    }

    @Override
    protected String workerBrokerUrl(String hostPort, Settings s) {
        return url(hostPort, s).toString();
    }

    @Override
    protected String workerResultBackendUrl(String hostPort, Settings s) {
        return REDIS;
    }

    @Override
    protected Optional<InetSocketAddress> brokerAddress() {
        return Optional.of(new InetSocketAddress("127.0.0.1", rabbit.port()));
    }

    @Override
    protected boolean restartsBroker() {
        return true;
    }

    @Override
    protected void restartBroker() throws Exception {
        rabbit.kill();
        rabbit.start();
    }
}
