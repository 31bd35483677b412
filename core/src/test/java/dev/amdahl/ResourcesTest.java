package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.internal.task.QueueNames;
import dev.amdahl.internal.task.ResourceQueues;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ResourcesTest {

    @Test
    void theTextIsCanonicalSoOneNeedNamesOneQueue() {
        assertThat(Resources.parse("mem=4096m, gpu=1").toString()).isEqualTo("gpu=1,mem=4g");
        assertThat(Resources.parse("zone=eu,gpu=1")).isEqualTo(Resources.parse("gpu=1,zone=eu"));
        assertThat(Resources.parse("mem=1536").toString()).isEqualTo("mem=1536");
        assertThat(Resources.parse("").isEmpty()).isTrue();
        assertThat(ResourceQueues.derived("tiles", Resources.parse("mem=4g,gpu=1"))).isEqualTo("tiles@gpu=1,mem=4g");
        assertThat(ResourceQueues.derived("tiles", Resources.none())).isEqualTo("tiles");
    }

    @Test
    void quantitiesAreMetByAsMuchOrMoreAndLabelsByTheSameLabel() {
        Resources worker = Resources.parse("gpu=2,mem=16g,zone=eu,model=a100");
        assertThat(Resources.parse("gpu=2,mem=8g").satisfiedBy(worker)).isTrue();
        assertThat(Resources.parse("zone=eu,model=a100").satisfiedBy(worker)).isTrue();
        assertThat(Resources.parse("gpu=0").satisfiedBy(Resources.none())).isTrue();
        assertThat(Resources.parse("gpu=3,zone=us,disk=1").missingFrom(worker))
                .containsExactly("disk=1 (offers none)", "gpu=3 (offers gpu=2)", "zone=us (offers zone=eu)");
    }

    @Test
    void badTextIsRefusedNamingThePart() {
        assertThatThrownBy(() -> Resources.parse("gpu")).hasMessageContaining("'gpu'").hasMessageContaining("has no value");
        assertThatThrownBy(() -> Resources.parse("GPU=1")).hasMessageContaining("resource name 'GPU'");
        assertThatThrownBy(() -> Resources.parse("zone=e u")).hasMessageContaining("neither a quantity");
        assertThatThrownBy(() -> Resources.parse("gpu=1,gpu=2")).hasMessageContaining("named twice");
    }

    @Test
    void onlyCanonicalDerivedQueueNamesAreAllowed() {
        assertThat(QueueNames.allowed("tiles@gpu=1,mem=4g")).isTrue();
        assertThat(QueueNames.allowed("tiles@mem=4g,gpu=1")).as("not canonical").isFalse();
        assertThat(QueueNames.allowed("tiles@")).isFalse();
        assertThat(ResourceQueues.needsOf("tiles@gpu=1")).contains(Resources.parse("gpu=1"));
        assertThat(ResourceQueues.needsOf("tiles")).isEmpty();
        assertThatThrownBy(() -> WorkerOptions.builder().queues("tiles@gpu=1").build()).hasMessageContaining("derived queue");
    }

    @Test
    void aSubmissionReplacesTheRegistrationsNeedsWhole() {
        TaskOptions registered = TaskOptions.builder().resources("gpu=1,mem=4g").build();
        SubmitOptions merged = registered.submitDefaults().overriddenBy(SubmitOptions.builder().resources("zone=eu").build());
        assertThat(merged.resources()).contains(Resources.parse("zone=eu"));
        assertThat(registered.submitDefaults().overriddenBy(SubmitOptions.ofDefaults()).resources()).contains(Resources.parse("gpu=1,mem=4g"));
    }

    @Test
    void aWorkerOffersWhatItDetectsUnlessTold() {
        Resources detected = Resources.detected();
        assertThat(detected.quantity(Resources.CORES)).hasValue(Runtime.getRuntime().availableProcessors());
        assertThat(detected.quantity(Resources.MEMORY)).hasValue(Runtime.getRuntime().maxMemory());
        assertThat(detected.quantity(Resources.GPU)).isPresent();
        assertThat(WorkerOptions.ofDefaults().resources()).isNull();
        assertThat(WorkerOptions.ofDefaults().unplaceableAfter()).isEqualTo(Duration.ofMinutes(5));
    }
}
