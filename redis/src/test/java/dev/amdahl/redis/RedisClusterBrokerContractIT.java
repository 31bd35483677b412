package dev.amdahl.redis;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.testkit.BrokerContractTest;
import org.junit.jupiter.api.AfterAll;

/** The broker contract on a 3-master Redis Cluster of the tests' own ({@link RedisClusterNodes#shared()}). */
class RedisClusterBrokerContractIT extends BrokerContractTest {

    private static final String PREFIX = RedisTestSupport.newPrefix("cluster-broker-contract");

    @Override
    protected Broker createBroker(Settings s) {
        String options = "prefix=" + PREFIX + "&visibility-timeout=" + s.visibilityTimeout().toMillis() + "ms&max-deliveries="
                + s.maxDeliveries();
        try {
            return new RedisBrokerProvider().open(RedisClusterNodes.shared().url(options), new ProviderContext(s.clock()));
        } catch (Exception e) {
            throw new IllegalStateException("could not start the test's Redis Cluster", e);
        }
    }

    @AfterAll
    static void deleteKeys() throws Exception {
        RedisClusterNodes.shared().deleteKeys(PREFIX);
    }
}
