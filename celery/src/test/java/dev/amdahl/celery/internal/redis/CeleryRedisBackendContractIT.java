package dev.amdahl.celery.internal.redis;

import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.testkit.ResultBackendContractTest;
import java.net.URI;
import java.util.Set;

/** Celery's Redis result keys pass the result backend contract (db 9 of the shared Redis; keys expire in a minute). */
class CeleryRedisBackendContractIT extends ResultBackendContractTest {

    @Override
    protected ResultBackend createBackend() {
        return CeleryRedisBackend.open(URI.create(KombuRedisBrokerContractIT.URL + "?result-expires=60s"), ProviderContext.ofDefaults());
    }

    @Override
    protected Set<Class<? extends ResultBackend.Capability>> expectedCapabilities() {
        // none yet: idempotency keys, claims and the feeds fall back to the required methods (see the README)
        return Set.of();
    }
}
