package dev.amdahl;

import dev.amdahl.spi.ResultBackend;
import dev.amdahl.testkit.ResultBackendContractTest;
import java.util.Set;

/** A backend that declares no capability passes the kit: the required part runs, and it offers none of the optional ones. */
class PlainBackendContractTest extends ResultBackendContractTest {

    @Override
    protected ResultBackend createBackend() {
        return new PlainBackend();
    }

    @Override
    protected Set<Class<? extends ResultBackend.Capability>> expectedCapabilities() {
        return Set.of();
    }
}
