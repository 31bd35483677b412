package dev.amdahl.examples;

import dev.amdahl.Amdahl;
import dev.amdahl.RetryBackoff;
import dev.amdahl.Task;
import dev.amdahl.TaskCatalog;
import dev.amdahl.TaskContext;
import dev.amdahl.TaskOptions;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * The two stages of {@link PipelineJob}: an "accelerator" stage that needs a GPU ({@code gpu=1}; on a machine without
 * one, a worker that says it has one stands in) and does little work per byte, as a GPU kernel does, and a CPU stage
 * that reduces its output. Every third block's first try fails as a busy device does, and is retried.
 */
public final class PipelineTasks implements TaskCatalog {

    /** The accelerator stage's name. */
    public static final String ACCELERATE = "demo.pipeline.accelerate";
    /** The CPU stage's name. */
    public static final String REDUCE = "demo.pipeline.reduce";
    /** What the accelerator stage needs. */
    public static final String NEEDS = "gpu=1";

    /** How many steps the accelerator's kernel takes per sample. */
    static final int KERNEL_STEPS = 100;

    /** The nanoseconds the stages' own code ran in this process, summed: the job's compute. */
    static final LongAdder COMPUTE_NANOS = new LongAdder();

    /**
     * One block of the input.
     *
     * @param index  its place in the input
     * @param values its samples
     */
    public record Block(int index, float[] values) {
    }

    /**
     * What the CPU stage makes of one block.
     *
     * @param index its block's place
     * @param sum   the sum of the transformed samples
     * @param max   the largest of them
     */
    public record Summary(int index, double sum, float max) {
    }

    /** A device that is busy for a moment, as accelerators are: the task is retried. */
    public static final class DeviceBusy extends RuntimeException {
        DeviceBusy(int block) {
            super("the accelerator was busy with block " + block + "; trying again");
        }
    }

    @Override
    public void register(Amdahl app) {
        accelerate(app);
        reduce(app);
    }

    static Task<Block, Block> accelerate(Amdahl app) {
        return app.task(ACCELERATE, Block.class, Block.class, TaskOptions.builder().resources(NEEDS)
                .retryOn(DeviceBusy.class).maxRetries(3).backoff(RetryBackoff.fixed(Duration.ofMillis(10))).build(), block -> {
                    if (block.index() % 3 == 0 && TaskContext.current().retries() == 0) {
                        throw new DeviceBusy(block.index());
                    }
                    long t0 = System.nanoTime();
                    float[] out = new float[block.values().length];
                    for (int i = 0; i < out.length; i++) {
                        float x = block.values()[i];
                        for (int k = 0; k < KERNEL_STEPS; k++) {   // a kernel's worth of work per sample: little per byte
                            x = x * 0.999f + 0.001f * x * x;
                        }
                        out[i] = x;
                    }
                    COMPUTE_NANOS.add(System.nanoTime() - t0);
                    return new Block(block.index(), out);
                });
    }

    static Task<Block, Summary> reduce(Amdahl app) {
        return app.task(REDUCE, Block.class, Summary.class, block -> {
            long t0 = System.nanoTime();
            double sum = 0;
            float max = Float.NEGATIVE_INFINITY;
            for (float v : block.values()) {
                sum += v;
                max = Math.max(max, v);
            }
            COMPUTE_NANOS.add(System.nanoTime() - t0);
            return new Summary(block.index(), sum, max);
        });
    }
}
