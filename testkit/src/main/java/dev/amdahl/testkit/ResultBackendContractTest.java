package dev.amdahl.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.amdahl.TaskState;
import dev.amdahl.spi.AckingStore;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.BrokerProvider;
import dev.amdahl.spi.Claims;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.IdempotencyKeys;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.RecordsReadAhead;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.Registration;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.RevocationFeed;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.spi.UpdateFeed;
import dev.amdahl.spi.WorkerRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The definition of "a result backend works"; a backend module extends it with a near-empty subclass.
 * Task ids are random, so the class can run against a shared server.
 *
 * <pre>{@code
 * class SqlResultBackendContractIT extends ResultBackendContractTest {
 *     @Override
 *     protected ResultBackend createBackend() {
 *         return new SqlResultBackendProvider().open(URI.create("postgresql://127.0.0.1/amdahl"), ProviderContext.ofDefaults());
 *     }
 * }
 * }</pre>
 *
 * Every backend passes the tests of the required methods. The tests of a capability
 * ({@link ResultBackend#capability}: {@link IdempotencyKeys}, {@link Claims}, {@link RevocationFeed},
 * {@link UpdateFeed}, {@link WorkerRegistry}) run where the backend declares it and are skipped, saying why, where it does not; their
 * names start with the capability's. The store-and-acknowledge tests ({@code settling...}) run on a broker beside the
 * backend ({@link #createBroker}): a batch settled as a worker settles it, in one step through
 * {@link AckingStore} where the backend acknowledges that broker's deliveries, in two ({@code storeAllUnlessFinal},
 * then {@code ackAll}) where it does not, and either way with the same outcome.
 */
@Timeout(value = BrokerContractTest.TEST_TIMEOUT_SECONDS, unit = TimeUnit.SECONDS)
public abstract class ResultBackendContractTest {

    protected ResultBackend backend;

    /** Opens a new backend on the transport under test. Called before each test. */
    protected abstract ResultBackend createBackend();

    /**
     * A backend like {@link #createBackend()}'s that keeps time by {@code clock} and keeps results for {@code resultTtl},
     * for the expiry tests to move time by hand instead of waiting; null (the default) for a backend whose expiry
     * runs on its server's time, and those tests end there. The kit closes it.
     */
    protected ResultBackend createBackend(Clock clock, Duration resultTtl) {
        return null;
    }

    /**
     * A broker whose messages the backend's records settle, keeping its leases by {@code clock} with
     * {@code visibilityTimeout}, for the {@code settling...} tests. By default the embedded broker ({@code memory://},
     * found as any provider is): every backend pairs with any broker, so the two-step settle runs for every backend. A
     * backend that acknowledges its own broker's deliveries ({@link AckingStore}) overrides it with that broker, for the
     * one-step path. The kit closes it.
     */
    protected Broker createBroker(Clock clock, Duration visibilityTimeout) {
        URI embedded = URI.create("memory://?visibility-timeout=" + visibilityTimeout.toMillis() + "ms");
        for (BrokerProvider provider : ServiceLoader.load(BrokerProvider.class, BrokerProvider.class.getClassLoader())) {
            if (provider.schemes().contains("memory")) {
                return provider.open(embedded, new ProviderContext(clock));
            }
        }
        throw new IllegalStateException("no provider of memory:// on the class path: amdahl-core is missing");
    }

    @BeforeEach
    void openBackend() {
        backend = createBackend();
    }

    @AfterEach
    void closeBackend() {
        backend.close();
    }

    protected static String newId() {
        return "contract-" + UUID.randomUUID();
    }

    protected static TaskRecord success(String id, String resultJson) {
        Instant start = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        return new TaskRecord(id, "contract.task", TaskState.SUCCESS, resultJson, null, 0, "worker-1",
                start, start.plusMillis(5), 5_000_000);
    }

    protected static TaskRecord started(String id) {
        return new TaskRecord(id, "contract.task", TaskState.STARTED, null, null, 0, "worker-1", Instant.now(), null, 0);
    }

    /**
     * The optional capabilities the backend under test declares: all five unless a subclass says otherwise. A
     * capability's tests run where it is declared; where it is not, they check that the backend does not offer
     * it after all, so a backend cannot lose (or quietly gain) a feature without its kit subclass saying so.
     */
    protected Set<Class<? extends ResultBackend.Capability>> expectedCapabilities() {
        return Set.of(IdempotencyKeys.class, Claims.class, RevocationFeed.class, UpdateFeed.class, WorkerRegistry.class);
    }

    /**
     * The backend's capability {@code type}, or {@code null} (after checking the backend lacks it, as
     * {@link #expectedCapabilities} says) for the calling test to end there.
     */
    protected <C extends ResultBackend.Capability> C capability(Class<C> type) {
        Optional<C> c = backend.capability(type);
        if (expectedCapabilities().contains(type)) {
            assertThat(c).as(backend.getClass().getName() + " declares the capability " + type.getSimpleName()).isPresent();
            return c.get();
        }
        assertThat(c).as(backend.getClass().getName() + " is expected not to declare " + type.getSimpleName()).isEmpty();
        return null;
    }

    /**
     * Stores {@code records} and acknowledges {@code deliveries} of {@code broker} as a worker does: in one step where
     * the backend can ({@link AckingStore#acknowledges}), else the store and then the ack.
     */
    protected Map<String, TaskRecord> settle(Broker broker, List<TaskRecord> records, List<Delivery> deliveries) {
        AckingStore together = capability(AckingStore.class);
        if (together != null && together.acknowledges(broker)) {
            return together.storeAllUnlessFinalAndAck(records, broker, deliveries);
        }
        Map<String, TaskRecord> kept = backend.storeAllUnlessFinal(records);
        broker.ackAll(deliveries);
        return kept;
    }

    @Test
    void settlingABatchStoresItsRecordsKeepsFinalOnesAndAcknowledgesEveryMessage() throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        Duration visibility = Duration.ofSeconds(30);
        Broker broker = createBroker(clock, visibility);
        String queue = "contract-settle-" + UUID.randomUUID();
        try {
            String ran = newId();
            String alsoRan = newId();
            String revokedMeanwhile = newId();
            List<String> ids = List.of(ran, alsoRan, revokedMeanwhile);
            broker.publishAll(queue, ids.stream().map(id -> OutboundMessage.of(id, id.getBytes())).toList());
            List<Delivery> deliveries = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (deliveries.size() < ids.size() && System.nanoTime() < deadline) {
                deliveries.addAll(broker.poll(List.of(queue), ids.size() - deliveries.size(), Duration.ofMillis(500)));
            }
            assertThat(deliveries).extracting(Delivery::messageId).containsExactlyInAnyOrderElementsOf(ids);
            TaskRecord revocation = new TaskRecord(revokedMeanwhile, "contract.task", TaskState.REVOKED, null,
                    TaskError.of("Revoked", "revoked by the contract kit"), 0, null, null, null, 0);
            backend.store(revocation);

            List<TaskRecord> outcomes = ids.stream().map(id -> success(id, "1")).toList();

            Map<String, TaskRecord> kept = settle(broker, outcomes, deliveries);

            assertThat(kept).containsOnlyKeys(revokedMeanwhile);
            assertThat(kept.get(revokedMeanwhile).state()).isEqualTo(TaskState.REVOKED);
            assertThat(backend.get(ran)).contains(outcomes.get(0));
            assertThat(backend.get(alsoRan)).contains(outcomes.get(1));
            assertThat(backend.get(revokedMeanwhile).map(TaskRecord::state)).contains(TaskState.REVOKED);
            // acknowledged, not merely leased: past the visibility timeout nothing comes back
            clock.advance(visibility.plusSeconds(5));
            assertThat(broker.poll(List.of(queue), ids.size(), Duration.ofMillis(300))).isEmpty();
            assertThat(broker.depth(queue)).isZero();
        } finally {
            broker.purge(queue);
            broker.close();
        }
    }

    /** Polls {@code queue} of {@code broker} until {@code count} deliveries came, or ten seconds passed. */
    private static List<Delivery> pollFor(Broker broker, String queue, int count) throws InterruptedException {
        List<Delivery> deliveries = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (deliveries.size() < count && System.nanoTime() < deadline) {
            deliveries.addAll(broker.poll(List.of(queue), count - deliveries.size(), Duration.ofMillis(500)));
        }
        return deliveries;
    }

    /**
     * {@link RecordsReadAhead}, on the broker beside the backend ({@link #createBroker}): a delivery carries the record
     * stored before its poll, as {@code getAll} reads it; one whose task has no record carries a read that found none;
     * a redelivery carries its own read, made after it was handed out, not the earlier delivery's.
     */
    @Test
    void recordsReadAheadCarryWhatGetAllReadsAndARedeliveryItsOwnRead() throws Exception {
        RecordsReadAhead ahead = capability(RecordsReadAhead.class);
        if (ahead == null) {
            return;
        }
        MutableClock clock = new MutableClock(Instant.now());
        Broker broker = createBroker(clock, Duration.ofSeconds(30));
        String queue = "contract-read-ahead-" + UUID.randomUUID();
        try {
            assertThat(ahead.readsAheadFor(broker)).as(backend + " reads ahead for the broker beside it, " + broker).isTrue();
            String stored = newId();
            String unstored = newId();
            TaskRecord storedRecord = success(stored, "\"stored before the poll\"");
            backend.store(storedRecord);
            broker.publishAll(queue, List.of(OutboundMessage.of(stored, stored.getBytes()),
                    OutboundMessage.of(unstored, unstored.getBytes())));

            List<Delivery> first = pollFor(broker, queue, 2);

            assertThat(first).extracting(Delivery::messageId).containsExactlyInAnyOrder(stored, unstored);
            RecordsReadAhead.ReadAhead carried = ahead.readAhead(first);
            assertThat(carried.read()).containsExactlyInAnyOrder(stored, unstored);
            assertThat(carried.records()).containsOnlyKeys(stored);
            assertThat(carried.records().get(stored)).isEqualTo(backend.getAll(List.of(stored)).get(stored))
                    .isEqualTo(storedRecord);

            // given back, then a record stored: the redelivery's read is made after it was handed out again
            Delivery firstOfUnstored = first.stream().filter(d -> d.messageId().equals(unstored)).findFirst().orElseThrow();
            broker.ack(first.stream().filter(d -> d.messageId().equals(stored)).findFirst().orElseThrow());
            broker.requeue(firstOfUnstored);
            TaskRecord later = success(unstored, "\"stored after the first delivery\"");
            backend.store(later);
            List<Delivery> again = pollFor(broker, queue, 1);

            assertThat(again).singleElement().satisfies(d -> {
                assertThat(d.messageId()).isEqualTo(unstored);
                assertThat(d.redelivered()).isTrue();
            });
            RecordsReadAhead.ReadAhead redelivered = ahead.readAhead(again);
            assertThat(redelivered.read()).containsExactly(unstored);
            assertThat(redelivered.records()).containsExactly(Map.entry(unstored, later));
            broker.ackAll(again);
        } finally {
            broker.purge(queue);
            broker.close();
        }
    }

    @Test
    void storedRecordsReadBackEqual() {
        String id = newId();
        TaskRecord r = success(id, "{\"answer\":42}");

        backend.store(r);

        assertThat(backend.get(id)).contains(r);
    }

    @Test
    void failuresKeepTypeMessageAndStack() {
        String id = newId();
        TaskRecord r = new TaskRecord(id, "contract.task", TaskState.FAILURE, null,
                new TaskError("java.lang.IllegalStateException", "boom", "java.lang.IllegalStateException: boom\n\tat x.y(Z.java:1)\n"),
                2, "w", null, Instant.now().truncatedTo(ChronoUnit.MILLIS), 0);

        backend.store(r);

        assertThat(backend.get(id)).contains(r);
    }

    @Test
    void getAllReturnsTheRecordsThatExist() {
        TaskRecord a = success(newId(), "1");
        TaskRecord b = success(newId(), "2");
        backend.storeAll(List.of(a, b));
        String missing = newId();

        assertThat(backend.getAll(List.of(a.taskId(), missing, b.taskId())))
                .containsOnly(Map.entry(a.taskId(), a), Map.entry(b.taskId(), b));
    }

    @Test
    void storeUnlessFinalStoresOverNothingAndOverOpenStates() {
        String fresh = newId();
        String running = newId();
        backend.store(started(running));

        Map<String, TaskRecord> kept = backend.storeAllUnlessFinal(List.of(success(fresh, "1"), success(running, "2")));

        assertThat(kept).isEmpty();
        assertThat(backend.get(fresh).map(TaskRecord::result)).contains("1");
        assertThat(backend.get(running).map(TaskRecord::result)).contains("2");
    }

    @Test
    void storeUnlessFinalKeepsAFinalRecordAndSaysSo() throws Exception {
        String id = newId();
        TaskRecord done = success(id, "\"first\"");
        backend.store(done);
        CompletableFuture<TaskRecord> woken = new CompletableFuture<>();
        backend.whenReady(id, woken::complete);
        woken.get(10, TimeUnit.SECONDS);

        Map<String, TaskRecord> kept = backend.storeAllUnlessFinal(List.of(started(id)));
        Map<String, TaskRecord> keptAgain = backend.storeAllUnlessFinal(List.of(success(id, "\"second\"")));

        assertThat(kept).containsExactly(Map.entry(id, done));
        assertThat(keptAgain).containsExactly(Map.entry(id, done));
        assertThat(backend.get(id)).contains(done);
    }

    /** The backend's idea of "final" is {@link TaskState#isReady()}'s, state by state. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(TaskState.class)
    void storeUnlessFinalKeepsExactlyTheFinalStates(TaskState stored) {
        String id = newId();
        TaskRecord first = new TaskRecord(id, "contract.task", stored, stored == TaskState.SUCCESS ? "1" : null, null, 0,
                "worker-1", null, null, 0);
        backend.store(first);

        Map<String, TaskRecord> kept = backend.storeAllUnlessFinal(List.of(started(id)));

        if (stored.isReady()) {
            assertThat(kept).containsExactly(Map.entry(id, first));
            assertThat(backend.get(id)).contains(first);
        } else {
            assertThat(kept).isEmpty();
            assertThat(backend.get(id).map(TaskRecord::state)).contains(TaskState.STARTED);
        }
    }

    /** Large enough that a backend which sends it in parts has to match each part's answer to its records. */
    @Test
    void storeUnlessFinalAnswersForEveryRecordOfALargeBatch() {
        List<TaskRecord> batch = new ArrayList<>();
        List<TaskRecord> done = new ArrayList<>();
        for (int i = 0; i < 1_200; i++) {
            String id = newId();
            if (i % 3 == 0) {
                done.add(success(id, "\"before\""));
            }
            batch.add(success(id, Integer.toString(i)));
        }
        backend.storeAll(done);

        Map<String, TaskRecord> kept = backend.storeAllUnlessFinal(batch);

        assertThat(kept).hasSize(done.size());
        for (TaskRecord r : done) {
            assertThat(kept).containsEntry(r.taskId(), r);
        }
        for (TaskRecord r : batch) {
            assertThat(backend.get(r.taskId())).contains(kept.getOrDefault(r.taskId(), r));
        }
    }

    @Test
    void storeUnlessFinalLetsExactlyOneOfTwoRacingOutcomesWin() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 50; round++) {
                String id = newId();
                TaskRecord succeeded = success(id, "1");
                TaskRecord revoked = new TaskRecord(id, "contract.task", TaskState.REVOKED, null,
                        new TaskError("dev.amdahl.Revoked", "revoked", null), 0, null, null,
                        Instant.now().truncatedTo(ChronoUnit.MILLIS), 0);
                java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
                Future<Map<String, TaskRecord>> a = threads.submit(() -> {
                    together.await();
                    return backend.storeAllUnlessFinal(List.of(succeeded));
                });
                Future<Map<String, TaskRecord>> b = threads.submit(() -> {
                    together.await();
                    return backend.storeAllUnlessFinal(List.of(revoked));
                });
                boolean aLost = a.get(10, TimeUnit.SECONDS).containsKey(id);
                boolean bLost = b.get(10, TimeUnit.SECONDS).containsKey(id);

                assertThat(aLost).as("round %d: exactly one loses", round).isNotEqualTo(bLost);
                assertThat(backend.get(id)).contains(aLost ? revoked : succeeded);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void anUnknownTaskHasNoRecord() {
        assertThat(backend.get(newId())).isEmpty();
    }

    @Test
    void aLaterStoreReplacesTheRecord() {
        String id = newId();
        backend.store(started(id));
        backend.store(success(id, "1"));

        assertThat(backend.get(id).map(TaskRecord::state)).contains(TaskState.SUCCESS);
    }

    @Test
    void storeAllStoresEveryRecord() {
        List<TaskRecord> records = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            records.add(success(newId(), Integer.toString(i)));
        }

        backend.storeAll(records);

        for (TaskRecord r : records) {
            assertThat(backend.get(r.taskId())).contains(r);
        }
    }

    /** @param unpublished through {@link ResultBackend#whenReadyUnpublished}, as clients watch what they submit */
    @ParameterizedTest(name = "unpublished={0}")
    @ValueSource(booleans = {false, true})
    void whenReadyFiresOnceWhenTheTaskEnds(boolean unpublished) throws Exception {
        String id = newId();
        List<TaskRecord> calls = new CopyOnWriteArrayList<>();
        CompletableFuture<TaskRecord> first = new CompletableFuture<>();
        Consumer<TaskRecord> callback = r -> {
            calls.add(r);
            first.complete(r);
        };
        if (unpublished) {
            backend.whenReadyUnpublished(id, callback);
        } else {
            backend.whenReady(id, callback);
        }

        backend.store(started(id));
        backend.store(success(id, "\"done\""));

        assertThat(first.get(10, TimeUnit.SECONDS).result()).isEqualTo("\"done\"");
        // a second final store (which the worker's state machine never makes) must not call it again;
        // a later waiter, woken by that store's notice or by reading the record, proves the notice went by
        backend.store(success(id, "\"again\""));
        assertThat(backend.await(id, Duration.ofSeconds(5))).isPresent();
        assertThat(calls).hasSize(1);
    }

    @Test
    void whenReadyDoesNotFireForANonFinalState() throws Exception {
        String id = newId();
        CompletableFuture<TaskRecord> fired = new CompletableFuture<>();
        backend.whenReady(id, fired::complete);

        backend.store(started(id));

        assertThat(backend.await(id, Duration.ofMillis(300))).isEmpty();
        assertThat(fired).isNotDone();
    }

    @Test
    void whenReadyFiresAtOnceForAnEndedTask() throws Exception {
        String id = newId();
        backend.store(success(id, "7"));
        CompletableFuture<TaskRecord> fired = new CompletableFuture<>();

        backend.whenReady(id, fired::complete);

        assertThat(fired.get(10, TimeUnit.SECONDS).result()).isEqualTo("7");
    }

    @Test
    void aCancelledRegistrationIsNotCalled() throws Exception {
        String id = newId();
        CompletableFuture<TaskRecord> fired = new CompletableFuture<>();
        Registration registration = backend.whenReady(id, fired::complete);

        registration.cancel();
        backend.store(success(id, "1"));

        assertThat(backend.await(id, Duration.ofSeconds(5))).isPresent();
        assertThat(fired).isNotDone();
    }

    @Test
    void awaitTimesOutEmpty() throws Exception {
        long start = System.nanoTime();
        Optional<TaskRecord> r = backend.await(newId(), Duration.ofMillis(300));

        assertThat(r).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
    }

    @Test
    void manyWaitersAreAllWoken() throws Exception {
        List<String> ids = new ArrayList<>();
        List<CompletableFuture<TaskRecord>> woken = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            String id = newId();
            ids.add(id);
            CompletableFuture<TaskRecord> f = new CompletableFuture<>();
            backend.whenReady(id, f::complete);
            woken.add(f);
        }

        backend.storeAll(ids.stream().map(id -> success(id, "1")).toList());

        CompletableFuture.allOf(woken.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
    }

    @Test
    void aCounterWithATimeToLiveIsForgottenAfterIt() throws Exception {
        String key = newId();
        assertThat(backend.increment(key, 1, Duration.ofMillis(200))).isEqualTo(1);
        assertThat(backend.increment(key, 1, Duration.ofMillis(200))).isEqualTo(2);

        // await the expiry rather than sleep a fixed time: the clock of a real server decides
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long now;
        while ((now = backend.increment(key, 0, Duration.ofMillis(200))) != 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(now).isZero();
    }

    /** Expiry by the handed clock: see {@link #createBackend(Clock, Duration)}. */
    @Test
    void recordsAndCountersExpireAfterTheResultTtlByTheHandedClock() {
        MutableClock clock = new MutableClock(Instant.now());
        Duration ttl = Duration.ofMinutes(10);
        ResultBackend timed = createBackend(clock, ttl);
        if (timed == null) {
            return;
        }
        try (timed) {
            String done = newId();
            String counter = newId();
            timed.store(success(done, "1"));
            assertThat(timed.increment(counter, 5)).isEqualTo(5);

            clock.advance(ttl.minusSeconds(1));
            assertThat(timed.get(done)).as("a second before its expiry").isPresent();

            clock.advance(Duration.ofSeconds(2));
            assertThat(timed.get(done)).as("a second after its expiry").isEmpty();
            assertThat(timed.getAll(List.of(done))).isEmpty();
            assertThat(timed.increment(counter, 1)).as("an expired counter starts again").isEqualTo(1);
            // an expired final record is no record: the state machine starts afresh over it
            assertThat(timed.storeAllUnlessFinal(List.of(started(done)))).isEmpty();
            assertThat(timed.get(done).map(TaskRecord::state)).contains(TaskState.STARTED);

            String windowed = newId();
            assertThat(timed.increment(windowed, 1, Duration.ofSeconds(10))).isEqualTo(1);
            clock.advance(Duration.ofSeconds(6));
            assertThat(timed.increment(windowed, 1, Duration.ofSeconds(10))).as("later increments do not extend it").isEqualTo(2);
            clock.advance(Duration.ofSeconds(5));
            assertThat(timed.increment(windowed, 1, Duration.ofSeconds(10))).isEqualTo(1);
        }
    }

    /** Keys and claims by the handed clock: see {@link #createBackend(Clock, Duration)}. */
    @Test
    void keysAndClaimsExpireByTheHandedClock() {
        MutableClock clock = new MutableClock(Instant.now());
        ResultBackend timed = createBackend(clock, Duration.ofMinutes(10));
        if (timed == null) {
            return;
        }
        try (timed) {
            Optional<IdempotencyKeys> keys = timed.capability(IdempotencyKeys.class);
            Optional<Claims> claims = timed.capability(Claims.class);
            String key = newId();
            String claim = newId();
            keys.ifPresent(k -> assertThat(k.putIfAbsent(key, "first", Duration.ofSeconds(10))).isEmpty());
            claims.ifPresent(c -> assertThat(c.claim(claim, Duration.ofSeconds(10))).isTrue());

            clock.advance(Duration.ofSeconds(9));
            keys.ifPresent(k -> assertThat(k.putIfAbsent(key, "second", Duration.ofSeconds(10))).contains("first"));
            claims.ifPresent(c -> assertThat(c.claim(claim, Duration.ofSeconds(10))).isFalse());

            clock.advance(Duration.ofSeconds(2));
            keys.ifPresent(k -> assertThat(k.putIfAbsent(key, "third", Duration.ofSeconds(10))).isEmpty());
            claims.ifPresent(c -> assertThat(c.claim(claim, Duration.ofSeconds(10))).isTrue());
        }
    }

    @Test
    void incrementIsAtomicAcrossThreads() throws Exception {
        String key = newId();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                running.add(threads.submit(() -> {
                    for (int i = 0; i < 250; i++) {
                        backend.increment(key, 1);
                    }
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            threads.shutdownNow();
        }

        assertThat(backend.increment(key, 0)).isEqualTo(1_000);
        assertThat(backend.increment(key, -1_000)).isZero();
    }

    @Test
    void forgetRemovesTheRecord() {
        String id = newId();
        backend.store(success(id, "1"));

        backend.forget(id);

        assertThat(backend.get(id)).isEmpty();
    }

    @Test
    void progressRoundTrips() {
        String id = newId();
        TaskRecord r = new TaskRecord(id, "contract.task", TaskState.STARTED, null, null, 1, "worker-1",
                Instant.now().truncatedTo(ChronoUnit.MILLIS), null, 0, new dev.amdahl.Progress(0.4, "resizing"));

        backend.store(r);

        assertThat(backend.get(id)).contains(r);
    }

    // ---------------------------------------------------------------- WorkerRegistry

    @Test
    void workerRegistryListsTheLatestHeartbeatOfEachWorkerUntilRemoved() {
        WorkerRegistry registry = capability(WorkerRegistry.class);
        if (registry == null) {
            return;
        }
        String a = newId();
        String b = newId();
        registry.putHeartbeat(a, bytes("a-1"), Duration.ofMinutes(1));
        registry.putHeartbeat(a, bytes("a-2"), Duration.ofMinutes(1));
        registry.putHeartbeat(b, bytes("b-1"), Duration.ofMinutes(1));

        Map<String, byte[]> live = registry.heartbeats();
        assertThat(live).containsKeys(a, b);
        assertThat(live.get(a)).as("the latest put").isEqualTo(bytes("a-2"));
        assertThat(live.get(b)).isEqualTo(bytes("b-1"));

        registry.removeHeartbeat(a);
        registry.removeHeartbeat(newId()); // nothing there: harmless

        assertThat(registry.heartbeats()).doesNotContainKey(a).containsKey(b);
        registry.removeHeartbeat(b);
    }

    @Test
    void workerRegistryForgetsAHeartbeatAfterItsTtl() throws Exception {
        WorkerRegistry registry = capability(WorkerRegistry.class);
        if (registry == null) {
            return;
        }
        String gone = newId();
        String live = newId();
        registry.putHeartbeat(gone, bytes("soon gone"), Duration.ofMillis(300));
        registry.putHeartbeat(live, bytes("still here"), Duration.ofMinutes(1));
        assertThat(registry.heartbeats()).containsKey(gone);

        Await.until(Duration.ofSeconds(10), "the heartbeat put with a 300 ms time to live expired",
                () -> !registry.heartbeats().containsKey(gone));
        assertThat(registry.heartbeats()).containsKey(live);
        registry.removeHeartbeat(live);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- Claims

    @Test
    void claimsAreWonByExactlyOneCaller() throws Exception {
        Claims claims = capability(Claims.class);
        if (claims == null) {
            return;
        }
        String key = newId();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> racing = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                racing.add(threads.submit(() -> claims.claim(key, Duration.ofMinutes(1))));
            }
            int won = 0;
            for (Future<Boolean> c : racing) {
                won += c.get(10, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertThat(won).isEqualTo(1);
        } finally {
            threads.shutdownNow();
        }
        assertThat(claims.claim(key, Duration.ofMinutes(1))).isFalse();
        assertThat(claims.claim(newId(), Duration.ofMinutes(1))).as("another key").isTrue();
    }

    @Test
    void claimsEndAfterTheirTtlAndLosingCallsDoNotExtendThem() throws Exception {
        Claims claims = capability(Claims.class);
        if (claims == null) {
            return;
        }
        String key = newId();
        assertThat(claims.claim(key, Duration.ofMillis(200))).isTrue();

        // each losing call asks for a minute: were it to extend the claim, the claim would never end
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        boolean won;
        while (!(won = claims.claim(key, Duration.ofMinutes(1))) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(won).as("claimed again after the first claim's 200 ms").isTrue();
        assertThat(claims.claim(key, Duration.ofMinutes(1))).as("held by the second claim").isFalse();
    }

    // ---------------------------------------------------------------- RevocationFeed

    @Test
    void revocationFeedCarriesRevokedRecordsOnly() throws Exception {
        RevocationFeed revocations = capability(RevocationFeed.class);
        if (revocations == null) {
            return;
        }
        List<TaskRecord> heard = new CopyOnWriteArrayList<>();
        CompletableFuture<TaskRecord> revoked = new CompletableFuture<>();
        String done = newId();
        String cancelled = newId();
        Registration feed = revocations.onRevoked(r -> {
            heard.add(r);
            if (r.taskId().equals(cancelled)) {
                revoked.complete(r);
            }
        });
        TaskRecord revocation = new TaskRecord(cancelled, "contract.task", TaskState.REVOKED, null,
                new TaskError("dev.amdahl.Terminated", "revoked", null), 0, null, null,
                Instant.now().truncatedTo(ChronoUnit.MILLIS), 0);

        backend.store(success(done, "1"));
        backend.store(revocation);

        assertThat(revoked.get(10, TimeUnit.SECONDS)).isEqualTo(revocation);
        feed.cancel();
        String afterCancel = newId();
        backend.store(new TaskRecord(afterCancel, "contract.task", TaskState.REVOKED, null, null, 0, null, null, null, 0));
        assertThat(backend.await(done, Duration.ofSeconds(5))).isPresent();
        // the feed may replay revocations stored before it was joined (other tests'), never other states
        assertThat(heard).allMatch(r -> r.state() == TaskState.REVOKED).contains(revocation)
                .noneMatch(r -> r.taskId().equals(afterCancel) || r.taskId().equals(done));
    }

    /** What a worker relies on when it skips reading the records of first deliveries. */
    @Test
    void revocationFeedThatSaysItIsCompleteHasReplayedTheRevocationsStoredBeforeItWasJoined() {
        RevocationFeed revocations = capability(RevocationFeed.class);
        if (revocations == null) {
            return;
        }
        String early = newId();
        TaskRecord revocation = new TaskRecord(early, "contract.task", TaskState.REVOKED, null,
                new TaskError("dev.amdahl.Revoked", "revoked", null), 0, null, null,
                Instant.now().truncatedTo(ChronoUnit.MILLIS), 0);
        backend.store(revocation);
        backend.store(success(newId(), "1"));
        List<TaskRecord> heard = new CopyOnWriteArrayList<>();

        try (Registration feed = revocations.onRevoked(heard::add)) {
            assumeTrue(revocations.revocationFeedComplete(), () -> backend.getClass().getName() + "'s revocation feed"
                    + " does not report itself complete (it keeps no log to replay), which is allowed");
            assertThat(heard).contains(revocation).allMatch(r -> r.state() == TaskState.REVOKED);
        }
    }

    // ---------------------------------------------------------------- IdempotencyKeys

    @Test
    void idempotencyKeysKeepTheFirstValue() {
        IdempotencyKeys keys = capability(IdempotencyKeys.class);
        if (keys == null) {
            return;
        }
        String key = newId();

        assertThat(keys.putIfAbsent(key, "first", Duration.ofMinutes(1))).isEmpty();
        assertThat(keys.putIfAbsent(key, "second", Duration.ofMinutes(1))).contains("first");
        assertThat(keys.putIfAbsent(newId(), "other", Duration.ofMinutes(1))).isEmpty();
    }

    @Test
    void idempotencyKeysAreForgottenAfterTheirTtlAndLaterCallsDoNotExtendThem() throws Exception {
        IdempotencyKeys keys = capability(IdempotencyKeys.class);
        if (keys == null) {
            return;
        }
        String key = newId();
        assertThat(keys.putIfAbsent(key, "first", Duration.ofMillis(200))).isEmpty();

        // await the expiry rather than sleep a fixed time: the clock of a real server decides; each call asks
        // for a minute, so a call that extended the key would keep it forever
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Optional<String> held;
        while ((held = keys.putIfAbsent(key, "second", Duration.ofMinutes(1))).isPresent() && System.nanoTime() < deadline) {
            assertThat(held).contains("first");
            Thread.sleep(20);
        }
        assertThat(held).isEmpty();
        assertThat(keys.putIfAbsent(key, "third", Duration.ofMinutes(1))).contains("second");
    }

    @Test
    void idempotencyKeysHaveOneWinnerAcrossThreads() throws Exception {
        IdempotencyKeys keys = capability(IdempotencyKeys.class);
        if (keys == null) {
            return;
        }
        String key = newId();
        keys.putIfAbsent(newId(), "probe", Duration.ofSeconds(1));
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<Optional<String>>> answers = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                String value = "v" + t;
                answers.add(threads.submit(() -> keys.putIfAbsent(key, value, Duration.ofMinutes(1))));
            }
            List<String> winners = new ArrayList<>();
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (int t = 0; t < answers.size(); t++) {
                Optional<String> a = answers.get(t).get(10, TimeUnit.SECONDS);
                if (a.isEmpty()) {
                    winners.add("v" + t);
                } else {
                    seen.add(a.get());
                }
            }
            assertThat(winners).hasSize(1);
            assertThat(seen).isSubsetOf(winners);
        } finally {
            threads.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- UpdateFeed

    @Test
    void updateFeedReportsNonFinalRecordsInOrderUntilTheTaskEnds() throws Exception {
        UpdateFeed updates = capability(UpdateFeed.class);
        if (updates == null) {
            return;
        }
        String id = newId();
        List<TaskRecord> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> second = new CompletableFuture<>();
        Registration registration = updates.onUpdate(id, r -> {
            seen.add(r);
            if (seen.size() == 2) {
                second.complete(null);
            }
        });
        TaskRecord p1 = new TaskRecord(id, "contract.task", TaskState.STARTED, null, null, 0, "w", null, null, 0,
                new dev.amdahl.Progress(0.25, "one"));
        TaskRecord p2 = new TaskRecord(id, "contract.task", TaskState.STARTED, null, null, 0, "w", null, null, 0,
                new dev.amdahl.Progress(0.5, "two"));

        backend.store(p1);
        backend.store(p2);
        second.get(10, TimeUnit.SECONDS);
        backend.store(success(id, "1"));
        assertThat(backend.await(id, Duration.ofSeconds(5))).isPresent();
        backend.store(p1);   // after the end the registration is gone (a worker would not do this)

        assertThat(seen).containsExactly(p1, p2);
        registration.cancel();
    }

    @Test
    void updateFeedDoesNotCallACancelledRegistration() {
        UpdateFeed updates = capability(UpdateFeed.class);
        if (updates == null) {
            return;
        }
        String id = newId();
        List<TaskRecord> seen = new CopyOnWriteArrayList<>();
        Registration registration = updates.onUpdate(id, seen::add);

        registration.cancel();
        backend.store(started(id));

        assertThat(backend.get(id)).isPresent();
        assertThat(seen).isEmpty();
    }
}
