package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.testkit.Await;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each kind of bad input ends in FAILURE (or a dead letter) with a message naming the task, its id and
 * the cause, and the worker goes on to serve the next task.
 */
class BadInputTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    record Pair(int a, int b) {
    }

    /** A result whose accessor throws, so Jackson cannot encode it. */
    record Unencodable(int value) {
        @Override
        public int value() {
            throw new IllegalStateException("no JSON for you");
        }
    }

    // a worker app and a client app sharing one embedded broker and backend, as two processes share Redis
    private final MemoryBroker broker = new MemoryBroker(Clock.systemUTC());
    private final MemoryResultBackend backend = new MemoryResultBackend();
    private final Amdahl workerApp = Amdahl.builder().broker(broker).resultBackend(backend).maxResultBytes(1_000).build();
    private final Amdahl clientApp = Amdahl.builder().broker(broker).resultBackend(backend).build();
    private final Task<Pair, Integer> add = workerApp.task("add", Pair.class, Integer.class, p -> p.a() + p.b());

    @AfterEach
    void close() {
        workerApp.close();
    }

    private void startWorker() {
        workerApp.startWorker(WorkerOptions.builder().concurrency(1).build());
    }

    /** The worker still serves: a good task after the bad one succeeds. */
    private void assertWorkerKeepsServing() {
        assertThat(add.submit(new Pair(40, 2)).result(WAIT)).isEqualTo(42);
    }

    private static TaskFailedException failureOf(TaskFuture<?> f) {
        Throwable cause = org.assertj.core.api.Assertions.catchThrowableOfType(ExecutionException.class, f::get).getCause();
        assertThat(cause).isInstanceOf(TaskFailedException.class);
        return (TaskFailedException) cause;
    }

    @Test
    void anUnknownTaskNameFailsNamingTheTaskAndItsId() {
        startWorker();
        TaskFuture<String> f = clientApp.task("no.such.task", String.class, String.class).submit("x");

        TaskFailedException e = failureOf(f);

        assertThat(e.getMessage()).contains("no.such.task", f.id(), "not registered", "add");
        assertThat(f.state()).isEqualTo(TaskState.FAILURE);
        // kept where a worker that knows the task can be given it later, not acknowledged away
        assertThat(awaitDeadLetters(1)).singleElement().satisfies(d -> {
            assertThat(d.messageId()).isEqualTo(f.id());
            assertThat(d.reason()).contains("no.such.task", "not registered");
        });
        assertWorkerKeepsServing();
    }

    @Test
    void aRequeuedDeadLetterRunsOnceAWorkerKnowsItsTask() {
        Worker unaware = workerApp.startWorker(WorkerOptions.builder().concurrency(1).build());
        TaskFuture<String> f = clientApp.task("late.task", String.class, String.class).submit("x");
        failureOf(f);
        awaitDeadLetters(1);
        // a worker that knows the task comes; the FAILURE that dead-lettering stored would have it acknowledged unrun
        try (Amdahl knowing = Amdahl.builder().broker(broker).resultBackend(backend).build()) {
            knowing.task("late.task", String.class, String.class, s -> s + "!");
            unaware.close();
            knowing.startWorker(WorkerOptions.builder().concurrency(1).build());

            assertThat(clientApp.requeueDeadLetter("amdahl", f.id())).isEqualTo(1);

            Await.until(WAIT, "the requeued task to succeed",
                    () -> backend.get(f.id()).map(r -> r.state() == TaskState.SUCCESS).orElse(false));
            assertThat(backend.get(f.id()).orElseThrow().result()).isEqualTo("\"x!\"");
            assertThat(broker.deadLetters("amdahl", 10)).isEmpty();
        }
    }

    @Test
    void anArgumentThatDoesNotDecodeFailsNamingTheTypeAndTheCause() {
        startWorker();
        // the client believes "add" takes a string
        TaskFuture<Integer> f = clientApp.task("add", String.class, Integer.class).submit("two and three");

        TaskFailedException e = failureOf(f);

        assertThat(e.getMessage()).contains("'add'", f.id(), "does not decode into", Pair.class.getName());
        assertWorkerKeepsServing();
    }

    @Test
    void aTaskThatThrowsFailsWithTheRemoteException() {
        Task<Integer, Integer> divide = workerApp.task("divide", Integer.class, Integer.class, x -> 100 / x);
        startWorker();

        TaskFuture<Integer> f = divide.submit(0);

        TaskFailedException e = failureOf(f);
        assertThat(e.remoteType()).isEqualTo("java.lang.ArithmeticException");
        assertThat(e.remoteMessage()).isEqualTo("/ by zero");
        assertThat(e.remoteStackTrace()).contains("BadInputTest");
        assertThat(e.getMessage()).contains("divide", f.id(), "/ by zero");
        assertWorkerKeepsServing();
    }

    @Test
    void aResultThatCannotBeEncodedFailsTheTask() {
        Task<Integer, Unencodable> bad = workerApp.task("unencodable", Integer.class, Unencodable.class, Unencodable::new);
        startWorker();

        TaskFuture<Unencodable> f = bad.submit(1);

        TaskFailedException e = failureOf(f);
        assertThat(e.getMessage()).contains("unencodable", f.id(), "cannot be encoded as JSON", "no JSON for you");
        assertWorkerKeepsServing();
    }

    @Test
    void aResultOverTheSizeLimitFailsTheTask() {
        Task<Integer, String> big = workerApp.task("big", Integer.class, String.class, n -> "x".repeat(n));
        startWorker();

        TaskFuture<String> f = big.submit(5_000);

        TaskFailedException e = failureOf(f);
        assertThat(e.getMessage()).contains("big", f.id(), "over the limit of 1000");
        assertWorkerKeepsServing();
    }

    @Test
    void aMalformedMessageIsDeadLetteredWithItsReason() {
        startWorker();
        broker.publish("amdahl", OutboundMessage.of("garbage-1", "{not json".getBytes(StandardCharsets.UTF_8)));
        broker.publish("amdahl", OutboundMessage.of("garbage-2", "{\"amdahl\":1,\"id\":\"t-2\",\"task\":7,\"args\":1}"
                .getBytes(StandardCharsets.UTF_8)));

        assertWorkerKeepsServing();
        List<DeadLetter> dead = awaitDeadLetters(2);
        assertThat(dead).extracting(DeadLetter::messageId).containsExactlyInAnyOrder("garbage-1", "garbage-2");
        assertThat(dead).filteredOn(d -> d.messageId().equals("garbage-1")).singleElement()
                .satisfies(d -> assertThat(d.reason()).contains("not JSON"));
        assertThat(dead).filteredOn(d -> d.messageId().equals("garbage-2")).singleElement()
                .satisfies(d -> assertThat(d.reason()).contains("t-2", "\"task\" must be a string"));
        // the message that named its task id tells a waiting client why
        assertThat(backend.get("t-2")).hasValueSatisfying(r -> {
            assertThat(r.state()).isEqualTo(TaskState.FAILURE);
            assertThat(r.error().message()).contains("\"task\" must be a string");
        });
    }

    private List<DeadLetter> awaitDeadLetters(int count) {
        return Await.value(WAIT, count + " dead letter(s) in queue amdahl", () -> {
            List<DeadLetter> dead = broker.deadLetters("amdahl", 10);
            return dead.size() >= count ? Optional.of(dead) : Optional.empty();
        });
    }

    @Test
    void anArgumentThatCannotBeEncodedIsRefusedAtSubmit() {
        Task<Object, Integer> any = clientApp.task("any", Object.class, Integer.class);

        assertThatThrownBy(() -> any.submit(new Unencodable(1)))
                .isInstanceOf(AmdahlException.class)
                .hasMessageContaining("argument of task 'any'")
                .hasMessageContaining("cannot be encoded as JSON");
    }
}
