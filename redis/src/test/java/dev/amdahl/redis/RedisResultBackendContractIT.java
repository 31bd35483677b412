package dev.amdahl.redis;

import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.testkit.ResultBackendContractTest;
import org.junit.jupiter.api.AfterAll;

class RedisResultBackendContractIT extends ResultBackendContractTest {

    private static final String PREFIX = RedisTestSupport.newPrefix("backend-contract");

    @Override
    protected ResultBackend createBackend() {
        return new RedisResultBackendProvider().open(RedisTestSupport.url(PREFIX, ""), ProviderContext.ofDefaults());
    }

    @AfterAll
    static void deleteKeys() {
        RedisTestSupport.deleteKeys(RedisTestSupport.HOST_PORT, PREFIX);
    }
}
