package dev.amdahl.redis;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.testkit.ChaosContractTest;
import java.net.URI;
import java.util.Optional;

/**
 * The chaos suite on the shared 3-master test cluster, its queue in three partitions (one a master): worker JVMs
 * are killed and paused and the whole cluster is SIGKILLed and restarted (append-only, fsynced on every write, and
 * nodes.conf, so it comes back as it was). The connection faults (cut, stall, slow) need one address to put a
 * proxy in front of, and a cluster client connects to the addresses the nodes announce, so they are skipped here;
 * the single-Redis suite runs them.
 */
class RedisClusterChaosContractIT extends ChaosContractTest {

    private static URI url(Settings s) {
        try {
            return RedisClusterNodes.shared().url("prefix=" + PREFIX + "&partitions=3&visibility-timeout="
                    + s.visibilityTimeout().toMillis() + "ms&max-deliveries=" + s.maxDeliveries());
        } catch (Exception e) {
            throw new IllegalStateException("could not start the test's Redis Cluster", e);
        }
    }

    private static final String PREFIX = RedisTestSupport.newPrefix("cluster-chaos");

    /** RedisChaosContractIT runs the full size on one Redis; this run checks the cluster's paths, at a third of it. */
    @Override
    protected int ciTasks() {
        return 1_000;
    }

    @Override
    protected Broker openBroker(Settings s) {
        return new RedisBrokerProvider().open(url(s), ProviderContext.ofDefaults());
    }

    @Override
    protected ResultBackend openResultBackend(Settings s) {
        return new RedisResultBackendProvider().open(url(s), ProviderContext.ofDefaults());
    }

    @Override
    protected boolean workersInOtherJvms() {
        return true;
    }

    @Override
    protected String workerBrokerUrl(String hostPort, Settings s) {
        return url(s).toString();
    }

    @Override
    protected Optional<String> unsupported(Fault fault) {
        return switch (fault) {
            case CUT, STALL, SLOW -> Optional.of("a cluster client connects to the addresses the nodes announce, so one"
                    + " proxy cannot stand between the workers and the cluster; RedisChaosContractIT runs these on one Redis");
            default -> super.unsupported(fault);
        };
    }

    @Override
    protected boolean restartsBroker() {
        return true;
    }

    @Override
    protected void restartBroker() throws Exception {
        RedisClusterNodes.shared().restartAll();
    }
}
