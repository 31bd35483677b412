package dev.amdahl;

import dev.amdahl.spi.ResultBackend;
import dev.amdahl.testkit.ResultBackendContractTest;

/** A backend that declares no capability passes the kit: the capabilities' tests are skipped, the rest run. */
class PlainBackendContractTest extends ResultBackendContractTest {

    @Override
    protected ResultBackend createBackend() {
        return new PlainBackend();
    }
}
