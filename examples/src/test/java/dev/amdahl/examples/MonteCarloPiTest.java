package dev.amdahl.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import org.junit.jupiter.api.Test;

class MonteCarloPiTest {

    @Test
    void aMillionSamplesGivePiWithinOneHundredth() {
        List<PiChunk> chunks = MonteCarloPi.chunks(1_000_000, 10, 1);
        List<Long> hits = chunks.stream().map(MonteCarloPi::countHits).toList();

        assertThat(MonteCarloPi.estimate(chunks, hits)).isCloseTo(Math.PI, offset(0.01));
    }

    @Test
    void chunksAddUpToTheSamplesAndHaveDistinctSeeds() {
        List<PiChunk> chunks = MonteCarloPi.chunks(1_003, 10, 5);

        assertThat(chunks.stream().mapToLong(PiChunk::samples).sum()).isEqualTo(1_003);
        assertThat(chunks.stream().map(PiChunk::seed).distinct()).hasSize(10);
    }

    @Test
    void theSameChunkAlwaysCountsTheSameHits() {
        PiChunk chunk = new PiChunk(99, 10_000);

        assertThat(MonteCarloPi.countHits(chunk)).isEqualTo(MonteCarloPi.countHits(chunk));
    }

    @Test
    void moreChunksThanSamplesAreRefused() {
        assertThatThrownBy(() -> MonteCarloPi.chunks(3, 4, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 samples into 4 chunks");
    }
}
