package dev.amdahl.redis;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.testkit.BrokerContractTest;
import org.junit.jupiter.api.AfterAll;

/**
 * The broker contract on queues of three partitions, one on each master of the shared test cluster: every
 * guarantee of one stream holds for a queue spread over three, except that order (priority, then first in,
 * first out) holds within each partition only.
 */
class RedisClusterPartitionedBrokerContractIT extends BrokerContractTest {

    private static final String PREFIX = RedisTestSupport.newPrefix("cluster-partitioned-contract");

    @Override
    protected Broker createBroker(Settings s) {
        String options = "prefix=" + PREFIX + "&partitions=3&visibility-timeout=" + s.visibilityTimeout().toMillis()
                + "ms&max-deliveries=" + s.maxDeliveries();
        try {
            return new RedisBrokerProvider().open(RedisClusterNodes.shared().url(options), new ProviderContext(s.clock()));
        } catch (Exception e) {
            throw new IllegalStateException("could not start the test's Redis Cluster", e);
        }
    }

    /** A partitioned queue orders within each partition; publishAll deals a batch over them in turn. */
    @Override
    protected int orderedParts() {
        return 3;
    }

    @AfterAll
    static void deleteKeys() throws Exception {
        RedisClusterNodes.shared().deleteKeys(PREFIX);
    }
}
