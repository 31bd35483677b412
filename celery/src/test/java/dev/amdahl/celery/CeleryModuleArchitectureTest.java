package dev.amdahl.celery;

import dev.amdahl.testkit.BrokerModuleArchitectureTest;

class CeleryModuleArchitectureTest extends BrokerModuleArchitectureTest {

    @Override
    protected String modulePackage() {
        return "dev.amdahl.celery";
    }
}
