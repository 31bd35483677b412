package dev.amdahl.examples;

/**
 * The argument of the {@code montecarlo.pi} task: throw {@code samples} random points at the unit
 * square from a generator seeded with {@code seed}, and count those inside the quarter circle.
 * The same chunk always gives the same count, wherever it runs.
 *
 * <pre>{@code
 * long hits = MonteCarloPi.countHits(new PiChunk(42, 1_000_000));
 * }</pre>
 *
 * @param seed    the random generator's seed; chunks of one estimate have different seeds
 * @param samples how many points to throw
 */
public record PiChunk(long seed, long samples) {

    public PiChunk {
        if (samples < 1) {
            throw new IllegalArgumentException("a chunk needs at least 1 sample, was " + samples);
        }
    }
}
