package dev.amdahl.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PipelineJobTest {

    @Test
    void byReferenceTheQueueCarriesHandlesAndTheResultIsTheSame() {
        PipelineJob job = new PipelineJob(3, 20_000, 2);

        PipelineJob.Run byValue = job.run("memory://", "memory://", false);
        PipelineJob.Run byReference = job.run("memory://", "memory://", true);

        assertThat(byReference.checksum()).isEqualTo(byValue.checksum());
        // 3 first tries, 1 retry (block 0's device was busy), 3 CPU steps
        assertThat(byValue.messages()).isEqualTo(7);
        assertThat(byReference.messages()).isEqualTo(7);
        assertThat(byValue.queueBytes()).as("every block through the queue, the retried one twice")
                .isGreaterThan(7L * 20_000 * 5);
        assertThat(byReference.queueBytes()).as("seven handles").isLessThan(7L * 2_048);
        assertThat(byReference.movement().storedBytes()).isGreaterThan(3L * 20_000 * 5);
        assertThat(byValue.serialFraction()).isBetween(0.0, 1.0);
        assertThat(byReference.summary()).startsWith("by reference:").contains("Amdahl view: S = ");
    }
}
