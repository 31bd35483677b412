package dev.amdahl.redis;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.testkit.ChaosContractTest;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The chaos suite on Redis: worker JVMs reach a private redis-server (append-only, fsynced on every write,
 * so a SIGKILL and restart loses nothing it acknowledged) through the suite's proxy; the shared Redis is
 * never touched.
 */
class RedisChaosContractIT extends ChaosContractTest {

    private static PrivateRedis redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = new PrivateRedis();
        redis.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        redis.close();
    }

    private static URI url(String hostPort, Settings s) {
        return URI.create("redis://" + hostPort + "/0?visibility-timeout=" + s.visibilityTimeout().toMillis()
                + "ms&max-deliveries=" + s.maxDeliveries());
    }

    @Override
    protected Broker openBroker(Settings s) {
        return new RedisBrokerProvider().open(url(redis.hostPort(), s), ProviderContext.ofDefaults());
    }

    @Override
    protected ResultBackend openResultBackend(Settings s) {
        return new RedisResultBackendProvider().open(url(redis.hostPort(), s), ProviderContext.ofDefaults());
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
    protected Optional<InetSocketAddress> brokerAddress() {
        return Optional.of(new InetSocketAddress("127.0.0.1", redis.port()));
    }

    @Override
    protected boolean restartsBroker() {
        return true;
    }

    @Override
    protected void restartBroker() throws Exception {
        redis.kill();
        redis.start();
    }
}
