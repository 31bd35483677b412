package dev.amdahl.rabbitmq;

import dev.amdahl.testkit.BrokerModuleArchitectureTest;

class RabbitModuleArchitectureTest extends BrokerModuleArchitectureTest {

    @Override
    protected String modulePackage() {
        return "dev.amdahl.rabbitmq";
    }
}
