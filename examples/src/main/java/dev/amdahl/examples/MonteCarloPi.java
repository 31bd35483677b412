package dev.amdahl.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Estimates pi the Monte Carlo way: a point thrown uniformly at the unit square lands inside the
 * quarter circle of radius 1 with probability pi/4, so {@code pi ~ 4 * hits / samples}. The error
 * shrinks as {@code 1/sqrt(samples)}: 10^6 samples give about 3 correct digits, 10^8 about 4.
 *
 * <pre>{@code
 * List<PiChunk> chunks = MonteCarloPi.chunks(100_000_000, 64, 42);
 * List<Long> hits = count.map(chunks).get();                       // on the workers
 * double pi = MonteCarloPi.estimate(chunks, hits);
 * }</pre>
 */
public final class MonteCarloPi {

    private MonteCarloPi() {
    }

    /** The kernel of the {@code montecarlo.pi} task: how many of the chunk's points fall inside the quarter circle. */
    public static long countHits(PiChunk chunk) {
        SplittableRandom random = new SplittableRandom(chunk.seed());
        long hits = 0;
        for (long i = 0; i < chunk.samples(); i++) {
            double x = random.nextDouble();
            double y = random.nextDouble();
            if (x * x + y * y <= 1.0) {
                hits++;
            }
        }
        return hits;
    }

    /**
     * Splits {@code samples} into {@code count} chunks of nearly equal size, with seeds derived from
     * {@code seed} so that no two chunks throw the same points.
     */
    public static List<PiChunk> chunks(long samples, int count, long seed) {
        if (count < 1 || samples < count) {
            throw new IllegalArgumentException("cannot split " + samples + " samples into " + count
                    + " chunks: need at least 1 chunk and 1 sample per chunk");
        }
        SplittableRandom seeds = new SplittableRandom(seed);
        List<PiChunk> chunks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long size = samples / count + (i < samples % count ? 1 : 0);
            chunks.add(new PiChunk(seeds.nextLong(), size));
        }
        return chunks;
    }

    /** Combines the hits of the chunks into the estimate of pi. */
    public static double estimate(List<PiChunk> chunks, List<Long> hits) {
        if (chunks.size() != hits.size()) {
            throw new IllegalArgumentException("need one hit count per chunk, got " + hits.size() + " for " + chunks.size());
        }
        long samples = chunks.stream().mapToLong(PiChunk::samples).sum();
        long inside = hits.stream().mapToLong(Long::longValue).sum();
        return 4.0 * inside / samples;
    }
}
