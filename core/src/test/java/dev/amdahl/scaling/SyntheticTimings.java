package dev.amdahl.scaling;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Wall times drawn from {@code T(n) = T1·(S + (1−S)/n) + c·n} with seeded multiplicative noise. */
final class SyntheticTimings {

    static final int[] POWERS_OF_TWO = {1, 2, 4, 8, 16, 32, 64};

    private SyntheticTimings() {
    }

    static Map<Integer, List<Double>> timings(double t1, double s, double c, double noise, int runs,
                                              long seed, int... workers) {
        Random random = new Random(seed);
        Map<Integer, List<Double>> timings = new LinkedHashMap<>();
        for (int n : workers) {
            double exact = t1 * (s + (1 - s) / n) + c * n;
            List<Double> times = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                times.add(exact * (1 + noise * (2 * random.nextDouble() - 1)));
            }
            timings.put(n, times);
        }
        return timings;
    }

    static Map<Integer, List<Double>> exact(double t1, double s, int... workers) {
        return timings(t1, s, 0.0, 0.0, 1, 0L, workers);
    }
}
