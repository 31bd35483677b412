package dev.amdahl.redis;

import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.testkit.ResultBackendContractTest;
import org.junit.jupiter.api.AfterAll;

/** The result backend contract on a 3-master Redis Cluster of the tests' own ({@link RedisClusterNodes#shared()}). */
class RedisClusterResultBackendContractIT extends ResultBackendContractTest {

    private static final String PREFIX = RedisTestSupport.newPrefix("cluster-backend-contract");

    @Override
    protected ResultBackend createBackend() {
        try {
            return new RedisResultBackendProvider().open(RedisClusterNodes.shared().url("prefix=" + PREFIX),
                    ProviderContext.ofDefaults());
        } catch (Exception e) {
            throw new IllegalStateException("could not start the test's Redis Cluster", e);
        }
    }

    @AfterAll
    static void deleteKeys() throws Exception {
        RedisClusterNodes.shared().deleteKeys(PREFIX);
    }
}
