package dev.amdahl.internal.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.WorkerOptions;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LeaseRenewalTest {

    @Test
    void anExplicitLeaseRenewalWinsOverTheDerivedOne() {
        WorkerOptions set = WorkerOptions.builder().leaseRenewal(Duration.ofMillis(70)).build();
        WorkerOptions unset = WorkerOptions.ofDefaults();

        assertThat(unset.leaseRenewal()).as("unset means derived from the broker").isNull();
        assertThat(WorkerRuntime.leaseRenewal(set, Optional.of(Duration.ofSeconds(3)))).isEqualTo(Duration.ofMillis(70));
        assertThat(WorkerRuntime.leaseRenewal(unset, Optional.of(Duration.ofSeconds(3)))).isEqualTo(Duration.ofSeconds(1));
        assertThat(WorkerRuntime.leaseRenewal(unset, Optional.empty())).isEqualTo(WorkerOptions.DEFAULT_LEASE_RENEWAL);
    }
}
