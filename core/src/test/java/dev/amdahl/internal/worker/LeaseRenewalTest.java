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

    @Test
    void aRenewalNoShorterThanTheVisibilityTimeoutIsRefusedNamingBoth() {
        WorkerOptions slow = WorkerOptions.builder().leaseRenewal(Duration.ofSeconds(90)).build();

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> WorkerRuntime.leaseRenewal(slow, Optional.of(Duration.ofSeconds(60))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lease renewal of 1m30s").hasMessageContaining("visibility timeout of 1m")
                .hasMessageContaining("renew at most every 20s");
        try (dev.amdahl.Amdahl app = dev.amdahl.Amdahl.builder().broker("memory://?visibility-timeout=60s").build()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> app.startWorker(slow))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("visibility timeout");
        }
        assertThat(WorkerRuntime.leaseRenewal(slow, Optional.empty())).as("a broker without a visibility timeout").isEqualTo(Duration.ofSeconds(90));
    }
}
