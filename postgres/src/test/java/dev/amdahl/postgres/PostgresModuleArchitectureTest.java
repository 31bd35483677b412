package dev.amdahl.postgres;

import dev.amdahl.testkit.BrokerModuleArchitectureTest;

class PostgresModuleArchitectureTest extends BrokerModuleArchitectureTest {

    @Override
    protected String modulePackage() {
        return "dev.amdahl.postgres";
    }
}
