package dev.amdahl.internal.worker;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.amdahl.TaskState;
import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.internal.workflow.Continuations;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.TaskRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The worker's settle path on the embedded broker and backend, per message: the final record stored (its waiter
 * told), the message acknowledged and its prefetch slot given back, for a batch of messages taken in one poll.
 * {@code inline} settles on the finishing thread, as a worker on the embedded broker does; otherwise the settler
 * thread does, as on a networked broker, and the benchmark waits for it. In this package because the settle path
 * is the worker's own, not API.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class SettleBenchmark {

    private static final int BATCH = 128;
    private static final ExecutionPool IDLE_POOL = new ExecutionPool() {
        @Override
        public void execute(Job job) {
        }

        @Override
        public void stopAccepting() {
        }

        @Override
        public void awaitRunning(Duration grace) {
        }
    };

    @Param({"true", "false"})
    public boolean inline;

    private MemoryBroker broker;
    private MemoryResultBackend backend;
    private Settlement settlement;
    private Semaphore slots;
    private final WorkerRecords records = new WorkerRecords("bench", Clock.systemUTC());
    private final byte[] body = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    private long n;

    @Setup(Level.Trial)
    public void start() {
        broker = new MemoryBroker(Clock.systemUTC());
        backend = new MemoryResultBackend();
        slots = new Semaphore(0);
        settlement = new Settlement("bench", broker, backend, new Continuations(backend, (q, m, p) -> { }, Clock.systemUTC()),
                new Revocations("bench", backend, IDLE_POOL), slots, Duration.ofSeconds(10),
                new WorkerEvents("bench", dev.amdahl.internal.observe.Observers.none()), inline);
        settlement.start();
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
        settlement.stop(5_000);
        broker.close();
        backend.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int settleBatch() throws InterruptedException {
        List<OutboundMessage> out = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            out.add(OutboundMessage.of("m-" + n++, body));
        }
        broker.publishAll("q", out);
        List<Delivery> taken = broker.poll(List.of("q"), BATCH, Duration.ofSeconds(1));
        settlement.hold(taken);
        for (Delivery d : taken) {
            TaskMessage m = new TaskMessage(d.messageId(), "noop", JsonNodeFactory.instance.nullNode(), false, 0, null, null,
                    null, null);
            TaskRecord done = records.of(m, TaskState.SUCCESS, null, null);
            settlement.storeThenAck(d, m, done);
        }
        while (settlement.heldCount() > 0) {
            Thread.onSpinWait();
        }
        return slots.drainPermits();
    }
}
