package dev.amdahl.examples;

import dev.amdahl.Amdahl;
import dev.amdahl.GroupFuture;
import dev.amdahl.Resources;
import dev.amdahl.Signature;
import dev.amdahl.Task;
import dev.amdahl.WorkerOptions;
import dev.amdahl.scaling.DataMovement;
import dev.amdahl.spi.BrokerProvider;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.ResultBackendProvider;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The book's CPU-GPU point as a job: blocks of samples go through an accelerator stage (placed on a worker that offers
 * {@code gpu=1}) and then a CPU stage, each block a chain of the two. The accelerator does little work per byte, so
 * what bounds the job is moving the blocks, not computing on them; passing them by reference keeps them out of the
 * queue (stored once in the result backend), also when a busy device makes a task retry.
 *
 * <pre>{@code
 * PipelineJob job = new PipelineJob(12, 100_000, 4);
 * PipelineJob.Run byValue = job.run("memory://", "memory://", false);
 * PipelineJob.Run byReference = job.run("memory://", "memory://", true);
 * }</pre>
 *
 * @param blocks     how many blocks
 * @param blockSize  samples per block
 * @param cpuThreads threads of the CPU worker
 */
public record PipelineJob(int blocks, int blockSize, int cpuThreads) {

    /** What a message over this many bytes does by reference in the by-reference run: well under one block. */
    public static final long BY_REFERENCE_ABOVE = 64 * 1024;

    public PipelineJob {
        if (blocks < 1 || blockSize < 1 || cpuThreads < 1) {
            throw new IllegalArgumentException("blocks (" + blocks + "), block size (" + blockSize + ") and CPU threads ("
                    + cpuThreads + ") must each be at least 1");
        }
    }

    /**
     * One run and what it moved.
     *
     * @param byReference    whether large data went by reference
     * @param wallSeconds    from submitting to the last summary
     * @param messages       the messages published (first tries, retries, the CPU stage's steps)
     * @param queueBytes     their bytes: what the queue carried
     * @param movement       what the client measured of the job ({@link GroupFuture#dataMovement()})
     * @param computeSeconds the stages' own code, summed
     * @param slots          the task slots the two workers had
     * @param checksum       the sum of the summaries, the same in both runs
     */
    public record Run(boolean byReference, double wallSeconds, long messages, long queueBytes, DataMovement movement,
                      double computeSeconds, int slots, double checksum) {

        /**
         * The Amdahl view: the share of the wall time in which the slots were not computing, counted as the job's
         * serial part: {@code S = 1 - compute / (slots * wall)}. Moving data is what no extra worker shares.
         */
        public double serialFraction() {
            return wallSeconds == 0 ? 0 : Math.max(0, Math.min(1, 1 - computeSeconds / (slots * wallSeconds)));
        }

        /** Amdahl's ceiling for that serial fraction. */
        public double ceiling() {
            double s = serialFraction();
            return s == 0 ? Double.POSITIVE_INFINITY : 1 / s;
        }

        /** The run in two lines, as {@code amdahl demo pipeline} prints it. */
        public String summary() {
            return String.format(Locale.ROOT, "%-13s %.2f s, %d messages, %s through the queue, %s by reference, compute %.3f s%n"
                            + "%-13s Amdahl view: S = %.2f (the slots were idle or moving data %.0f%% of the time): at most %.1fx"
                            + " faster with more workers", byReference ? "by reference:" : "by value:", wallSeconds, messages,
                    DataMovement.bytes(queueBytes), DataMovement.bytes(movement.storedBytes()), computeSeconds, "",
                    serialFraction(), serialFraction() * 100, ceiling());
        }
    }

    /**
     * Runs the job once on a fresh application over the broker and backend at these URLs ({@code memory://}: a fresh
     * embedded one): an accelerator worker offering {@code gpu=1} (one task at a time) and a CPU worker offering none,
     * both in this process.
     */
    public Run run(String brokerUrl, String backendUrl, boolean byReference) {
        CountingBroker broker = new CountingBroker(open(BrokerProvider.class, brokerUrl, BrokerProvider::schemes)
                .open(uri(brokerUrl), ProviderContext.ofDefaults()));
        Supplier<ResultBackend> backends = () -> open(ResultBackendProvider.class, backendUrl, ResultBackendProvider::schemes)
                .open(uri(backendUrl), ProviderContext.ofDefaults());
        String queue = "pipeline-" + Long.toHexString(new Random().nextLong() & Long.MAX_VALUE);
        try (Amdahl app = Amdahl.builder().broker(broker).resultBackend(backends.get()).defaultQueue(queue)
                .byReferenceAbove(byReference ? BY_REFERENCE_ABOVE : Long.MAX_VALUE).build()) {
            Task<PipelineTasks.Block, PipelineTasks.Block> accelerate = PipelineTasks.accelerate(app);
            Task<PipelineTasks.Block, PipelineTasks.Summary> reduce = PipelineTasks.reduce(app);
            app.startWorker(WorkerOptions.builder().queues(queue).concurrency(2).name("accelerator-" + queue)
                    .resources(Resources.parse("cores=2,gpu=1")).build());
            app.startWorker(WorkerOptions.builder().queues(queue).concurrency(cpuThreads).name("cpu-" + queue)
                    .resources(Resources.parse("cores=" + cpuThreads + ",gpu=0")).build());
            List<PipelineTasks.Block> input = input();
            long before = broker.bytes();
            long messagesBefore = broker.messages();
            PipelineTasks.COMPUTE_NANOS.reset();
            long t0 = System.nanoTime();
            List<Signature<PipelineTasks.Summary>> chains = new ArrayList<>();
            for (PipelineTasks.Block b : input) {
                chains.add(accelerate.sig(b).then(reduce.sig()));
            }
            GroupFuture<PipelineTasks.Summary> job = app.group(chains).submit();
            List<PipelineTasks.Summary> summaries = job.result(Duration.ofMinutes(10));
            double wall = (System.nanoTime() - t0) / 1e9;
            double checksum = summaries.stream().mapToDouble(PipelineTasks.Summary::sum).sum();
            return new Run(byReference, wall, broker.messages() - messagesBefore, broker.bytes() - before, job.dataMovement(),
                    PipelineTasks.COMPUTE_NANOS.sum() / 1e9, 2 + cpuThreads, checksum);
        }
    }

    /** {@code memory://} has an empty authority, which {@link URI} refuses; {@code memory:///} means the same. */
    private static URI uri(String url) {
        return URI.create(url.endsWith("://") ? url + "/" : url);
    }

    /** The provider of {@code url}'s scheme, as the application finds it. */
    private static <P> P open(Class<P> type, String url, Function<P, Set<String>> schemes) {
        String scheme = uri(url).getScheme();
        for (P p : ServiceLoader.load(type)) {
            if (schemes.apply(p).contains(scheme)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no " + type.getSimpleName() + " opens " + scheme + ":// URLs: add its module"
                + " (amdahl-redis, amdahl-rabbitmq, amdahl-postgres) to the class path");
    }

    /** The input: the same samples in every run. */
    private List<PipelineTasks.Block> input() {
        Random random = new Random(42);
        List<PipelineTasks.Block> input = new ArrayList<>(blocks);
        for (int i = 0; i < blocks; i++) {
            float[] values = new float[blockSize];
            for (int j = 0; j < blockSize; j++) {
                values[j] = random.nextFloat();
            }
            input.add(new PipelineTasks.Block(i, values));
        }
        return input;
    }
}
