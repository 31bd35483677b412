package dev.amdahl.redis;

import dev.amdahl.testkit.BrokerModuleArchitectureTest;

class RedisModuleArchitectureTest extends BrokerModuleArchitectureTest {

    @Override
    protected String modulePackage() {
        return "dev.amdahl.redis";
    }
}
