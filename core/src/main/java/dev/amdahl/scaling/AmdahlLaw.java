package dev.amdahl.scaling;

/**
 * Amdahl's and Gustafson's laws in closed form, for a job whose serial fraction is known.
 *
 * <pre>{@code
 * AmdahlLaw law = AmdahlLaw.ofParallelFraction(0.99);   // 99 % of the work parallelises
 * law.speedup(10);            // 9.17
 * law.speedup(1000);          // 90.99
 * law.limit();                // 100.0: no number of workers does better
 * law.time(100.0, 100);       // 1.99 s, for a job that takes 100 s on one worker
 * law.scaledSpeedup(100);     // 99.01: Gustafson, the problem grows with the workers
 * }</pre>
 *
 * <p>With serial fraction {@code S} and {@code n} workers, Amdahl's law for a fixed amount of work
 * is {@code T(n) = T(1)·(S + (1−S)/n)}, so the speedup is {@code 1/(S + (1−S)/n)}, which tends to
 * {@code 1/S}. Gustafson's law asks the other question: when the parallel part grows with
 * {@code n} and the run time stays fixed, the scaled speedup is {@code n − S·(n−1)}.
 *
 * <p>Worker counts are {@code double} so that curves can be drawn between whole counts; every
 * method rejects {@code n < 1}.
 *
 * @param serialFraction the part of the single-worker run time that cannot run in parallel, in
 *                       {@code [0, 1]}
 */
public record AmdahlLaw(double serialFraction) {

    /** Checks the fraction; prefer the two factories, whose names say which fraction is meant. */
    public AmdahlLaw {
        requireFraction("serial fraction S", serialFraction);
    }

    /** The law for a job whose serial fraction is {@code s}, in {@code [0, 1]}. */
    public static AmdahlLaw ofSerialFraction(double s) {
        return new AmdahlLaw(s);
    }

    /** The law for a job whose parallel fraction is {@code p = 1 − S}, in {@code [0, 1]}. */
    public static AmdahlLaw ofParallelFraction(double p) {
        requireFraction("parallel fraction P", p);
        return new AmdahlLaw(1.0 - p);
    }

    /** {@code P = 1 − S}, the part of the work that parallelises. */
    public double parallelFraction() {
        return 1.0 - serialFraction;
    }

    /** Wall time on {@code n} workers of a job that takes {@code serialSeconds} on one. */
    public double time(double serialSeconds, double n) {
        if (!(serialSeconds > 0) || Double.isInfinite(serialSeconds)) {
            throw new IllegalArgumentException(
                    "T(1) must be a positive number of seconds, got " + serialSeconds);
        }
        return serialSeconds * (serialFraction + parallelFraction() / requireWorkers(n));
    }

    /** Amdahl speedup {@code T(1)/T(n) = 1/(S + (1−S)/n)}. */
    public double speedup(double n) {
        return 1.0 / (serialFraction + parallelFraction() / requireWorkers(n));
    }

    /** Speedup per worker, {@code speedup(n)/n}: 1 is perfect, small means workers wait. */
    public double efficiency(double n) {
        return speedup(n) / n;
    }

    /** The ceiling {@code 1/S} that the speedup approaches; infinite when {@code S = 0}. */
    public double limit() {
        return serialFraction == 0.0 ? Double.POSITIVE_INFINITY : 1.0 / serialFraction;
    }

    /** Gustafson's scaled speedup {@code n − S·(n−1)}, for work that grows with the workers. */
    public double scaledSpeedup(double n) {
        return requireWorkers(n) - serialFraction * (n - 1.0);
    }

    static double requireWorkers(double n) {
        if (!(n >= 1.0) || Double.isInfinite(n)) {
            throw new IllegalArgumentException("worker count n must be at least 1, got " + n);
        }
        return n;
    }

    private static void requireFraction(String name, double value) {
        // the negated comparison also rejects NaN
        if (!(value >= 0.0 && value <= 1.0)) {
            throw new IllegalArgumentException(name + " must be in [0, 1], got " + value);
        }
    }
}
