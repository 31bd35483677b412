/**
 * Amdahl's core: the task API, the worker runtime and pools, the Broker/ResultBackend SPI, the embedded
 * broker and backend, and the scaling analysis. Exports the API packages only; the runtime's
 * {@code dev.amdahl.internal.*} packages stay inside the module.
 */
module dev.amdahl.core {
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.datatype.jsr310;
    requires com.fasterxml.jackson.datatype.jdk8;
    requires org.slf4j;
    requires java.desktop;
    requires java.management;

    exports dev.amdahl;
    exports dev.amdahl.spi;
    exports dev.amdahl.scaling;
    exports dev.amdahl.observe;

    // Jackson binds users' argument and result types, and ours: records of these packages travel as JSON
    opens dev.amdahl to com.fasterxml.jackson.databind;
    opens dev.amdahl.spi to com.fasterxml.jackson.databind;
    opens dev.amdahl.scaling to com.fasterxml.jackson.databind;

    uses dev.amdahl.spi.BrokerProvider;
    uses dev.amdahl.spi.ResultBackendProvider;
    uses dev.amdahl.spi.WireProtocol;
    provides dev.amdahl.spi.BrokerProvider with dev.amdahl.internal.memory.MemoryProvider;
    provides dev.amdahl.spi.ResultBackendProvider with dev.amdahl.internal.memory.MemoryProvider.Backend;
}
