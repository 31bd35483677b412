package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.MalformedDeliveryException;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.TaskEnvelope;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.spi.WireProtocol;
import dev.amdahl.testkit.Await;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A protocol other than Amdahl's own carries every message of an application: what its client publishes, the retries
 * and workflow steps its worker publishes, and eager runs; a delivery the protocol refuses is dead-lettered and its
 * waiter hears the reason, with the error type the protocol named; arguments bind through the protocol's hook.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WireProtocolTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    record Pair(int a, int b) {
    }

    /**
     * Lines of text: {@code LINES1}, id, task, retries, ETA or {@code -}, then the argument as JSON. An argument that is a
     * JSON array binds positionally onto a record argument type's components, as Celery's positional args do.
     */
    static final class LinesProtocol implements WireProtocol {
        final AtomicInteger encoded = new AtomicInteger();

        @Override
        public String name() {
            return "lines";
        }

        @Override
        public OutboundMessage encode(TaskEnvelope m, int priority, MessageLimits limits) {
            if (m.chunk() || m.workflow() != null) {
                throw new IllegalArgumentException("the lines protocol carries neither chunks nor workflows");
            }
            encoded.incrementAndGet();
            String text = String.join("\n", "LINES1", m.id(), m.task(), Integer.toString(m.retries()),
                    m.eta() == null ? "-" : m.eta().toString(), m.args().toString());
            return new OutboundMessage(m.id(), text.getBytes(StandardCharsets.UTF_8), priority, m.eta());
        }

        @Override
        public TaskEnvelope decode(Delivery d, MessageLimits limits, Function<String, Type> argumentTypes) {
            String[] lines = new String(d.body(), StandardCharsets.UTF_8).split("\n", 6);
            if (lines.length != 6 || !lines[0].equals("LINES1")) {
                throw new MalformedDeliveryException(null, "not a lines message");
            }
            String id = lines[1];
            JsonNode args;
            try {
                args = JSON.readTree(lines[5]);
            } catch (IOException e) {
                throw new MalformedDeliveryException(id, "the argument is not JSON");
            }
            Type type = argumentTypes.apply(lines[2]);
            if (args.isArray() && type instanceof com.fasterxml.jackson.databind.JavaType jt && jt.getRawClass().isRecord()) {
                RecordComponent[] components = jt.getRawClass().getRecordComponents();
                if (args.size() != components.length) {
                    throw new MalformedDeliveryException(id, "TypeError", lines[2] + "() takes " + components.length
                            + " positional arguments but " + args.size() + " were given");
                }
                ObjectNode bound = JSON.createObjectNode();
                for (int i = 0; i < components.length; i++) {
                    bound.set(components[i].getName(), args.get(i));
                }
                args = bound;
            }
            return new TaskEnvelope(id, lines[2], args, false, Integer.parseInt(lines[3]), lines[4].equals("-") ? null
                    : Instant.parse(lines[4]), null, null, null, null, null, null);
        }
    }

    private final MemoryBroker broker = new MemoryBroker(Clock.systemUTC());
    private final MemoryResultBackend backend = new MemoryResultBackend();
    private final LinesProtocol lines = new LinesProtocol();
    private final List<Amdahl> apps = new ArrayList<>();

    @AfterEach
    void close() {
        apps.forEach(Amdahl::close);
    }

    private Amdahl app() {
        Amdahl app = Amdahl.builder().broker(broker).resultBackend(backend).wireProtocol(lines).build();
        apps.add(app);
        return app;
    }

    private String publishRaw(String text) {
        String id = "raw-" + System.nanoTime();
        broker.publish(WorkerOptions.DEFAULT_QUEUE, OutboundMessage.of(id, text.replace("$ID", id).getBytes(StandardCharsets.UTF_8)));
        return id;
    }

    private TaskRecord finalRecord(String id) {
        return Await.value(WAIT, "task " + id + " final", () -> backend.get(id).filter(r -> r.state().isReady()));
    }

    @Test
    void aTaskItsRetryAndItsResultTravelInTheProtocol() throws Exception {
        Amdahl worker = app();
        AtomicInteger tries = new AtomicInteger();
        worker.task("add", Pair.class, Integer.class, TaskOptions.builder().retryOn(IOException.class).maxRetries(2)
                .backoff(RetryBackoff.fixed(Duration.ofMillis(10))).build(), p -> {
                    if (tries.incrementAndGet() == 1) {
                        throw new IOException("once");
                    }
                    return p.a() + p.b();
                });
        Task<Pair, Integer> add = app().task("add", Pair.class, Integer.class);
        try (Worker ignored = worker.startWorker(WorkerOptions.builder().concurrency(1).build())) {
            assertThat(add.submit(new Pair(2, 3)).result(WAIT)).isEqualTo(5);
        }
        assertThat(tries).hasValue(2);
        assertThat(lines.encoded).as("the submission and the retry the worker published").hasValue(2);
        assertThat(broker.deadLetters(WorkerOptions.DEFAULT_QUEUE, 10)).isEmpty();
    }

    @Test
    void argumentsBindThroughTheProtocolsHook() throws Exception {
        Amdahl worker = app();
        worker.task("add", Pair.class, Integer.class, p -> p.a() * 10 + p.b());
        try (Worker ignored = worker.startWorker(WorkerOptions.builder().concurrency(1).build())) {
            String id = publishRaw("LINES1\n$ID\nadd\n0\n-\n[4,2]");
            assertThat(finalRecord(id).result()).isEqualTo("42");
        }
    }

    @Test
    void aDeliveryTheProtocolRefusesIsDeadLetteredAndItsWaiterHearsTheReasonAndType() {
        Amdahl worker = app();
        worker.task("add", Pair.class, Integer.class, p -> p.a() + p.b());
        try (Worker ignored = worker.startWorker(WorkerOptions.builder().concurrency(1).build())) {
            String id = publishRaw("LINES1\n$ID\nadd\n0\n-\n[1,2,3]");
            TaskRecord failed = finalRecord(id);
            assertThat(failed.state()).isEqualTo(TaskState.FAILURE);
            assertThat(failed.error().type()).isEqualTo("TypeError");
            assertThat(failed.error().message()).isEqualTo("add() takes 2 positional arguments but 3 were given");
            DeadLetter dead = Await.value(WAIT, "the refused message dead-lettered", () -> broker
                    .deadLetters(WorkerOptions.DEFAULT_QUEUE, 10).stream().filter(l -> l.messageId().equals(id)).findFirst());
            assertThat(dead.reason()).contains("takes 2 positional arguments");

            String unnamed = publishRaw("garbage");
            DeadLetter other = Await.value(WAIT, "a message without an id dead-lettered", () -> broker
                    .deadLetters(WorkerOptions.DEFAULT_QUEUE, 10).stream().filter(l -> l.messageId().equals(unnamed)).findFirst());
            assertThat(other.reason()).contains("not a lines message");
        }
    }

    @Test
    void eagerModeMakesTheProtocolsRoundTrip() {
        Amdahl app = Amdahl.builder().eager(true).wireProtocol(lines).build();
        apps.add(app);
        Task<Pair, Integer> add = app.task("add", Pair.class, Integer.class, p -> p.a() + p.b());

        assertThat(add.submit(new Pair(1, 2)).result(WAIT)).isEqualTo(3);
        assertThat(lines.encoded).as("checked as a client does, then the wire round trip").hasValue(2);
    }

    @Test
    void whatTheProtocolCannotCarryFailsTheSubmission() {
        Amdahl app = app();
        Task<Pair, Integer> add = app.task("add", Pair.class, Integer.class);

        assertThatThrownBy(() -> add.sig(new Pair(1, 2)).then(add.sig(new Pair(3, 4))).submit())
                .hasMessageContaining("refused by the lines protocol").hasMessageContaining("neither chunks nor workflows");
    }

    @Test
    void signingAndAnotherProtocolTogetherFailFastAndAnUnknownNameSaysWhatIsThere() {
        assertThatThrownBy(() -> Amdahl.builder().wireProtocol(lines).signingKeys(SigningTest.K1).build())
                .hasMessageContaining("lines wire protocol carries no signature");
        assertThatThrownBy(() -> Amdahl.builder().wireProtocol("celery"))
                .hasMessageContaining("known: [amdahl]").hasMessageContaining("dev.amdahl:amdahl-celery");
    }
}
