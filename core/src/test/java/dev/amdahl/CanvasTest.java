package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.testkit.Await;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Chains, groups and chords, on a worker and in eager mode; the same semantics either way. */
class CanvasTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private Amdahl app;
    private final AtomicInteger errbackRuns = new AtomicInteger();
    private final AtomicInteger failedTaskNamed = new AtomicInteger();
    private Task<Integer, Integer> twice;
    private Task<Integer, Integer> plusOne;
    private Task<int[], Integer> sum;
    private Task<Integer, Integer> failIfOdd;
    private Task<FailedTask, String> errback;

    private Worker worker;

    private void start(boolean eager) {
        start(eager, 2);
    }

    private void start(boolean eager, int concurrency) {
        app = Amdahl.builder().eager(eager).build();
        twice = app.task("twice", Integer.class, Integer.class, x -> 2 * x);
        plusOne = app.task("plus.one", Integer.class, Integer.class, x -> x + 1);
        sum = app.task("sum", int[].class, Integer.class, xs -> Arrays.stream(xs).sum());
        failIfOdd = app.task("fail.if.odd", Integer.class, Integer.class, x -> {
            if (x % 2 == 1) {
                throw new IllegalArgumentException("odd: " + x);
            }
            return x;
        });
        errback = app.task("errback", FailedTask.class, String.class, f -> {
            errbackRuns.incrementAndGet();
            if (f.taskName().equals("fail.if.odd") && f.message().startsWith("odd")) {
                failedTaskNamed.incrementAndGet();
            }
            return f.taskId();
        });
        if (!eager) {
            worker = app.startWorker(WorkerOptions.builder().concurrency(concurrency).prefetch(concurrency).build());
        }
    }

    @AfterEach
    void close() {
        app.close();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aChainFeedsEachResultToTheNextTask(boolean eager) {
        start(eager);

        TaskFuture<Integer> f = twice.sig(5).then(plusOne).then(twice).submit();

        assertThat(f.result(WAIT)).isEqualTo(22);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anImmutableSignatureIgnoresThePreviousResult(boolean eager) {
        start(eager);

        assertThat(twice.sig(5).then(plusOne.sig(100).immutable()).submit().result(WAIT)).isEqualTo(101);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aGroupReturnsResultsInMemberOrder(boolean eager) {
        start(eager);

        GroupFuture<Integer> g = app.group(IntStream.range(0, 20).mapToObj(twice::sig).toList()).submit();

        assertThat(g.result(WAIT)).isEqualTo(IntStream.range(0, 20).map(x -> 2 * x).boxed().toList());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aChordRunsItsCallbackOnAllResults(boolean eager) {
        start(eager);

        TaskFuture<Integer> total = app.group(IntStream.rangeClosed(1, 50).mapToObj(twice::sig).toList()).then(sum.sig()).submit();

        assertThat(total.result(WAIT)).isEqualTo(2 * 50 * 51 / 2);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aChordWhoseHeaderHoldsChainsWaitsForTheirLastSteps(boolean eager) {
        start(eager);
        // (x * 2) + 1 for x in 1..10, then summed: 2 * 55 + 10
        List<Signature<Integer>> chains = IntStream.rangeClosed(1, 10).mapToObj(x -> twice.sig(x).then(plusOne)).toList();

        TaskFuture<Integer> total = app.group(chains).then(sum.sig()).then(twice).submit();

        assertThat(total.result(WAIT)).isEqualTo(2 * (2 * 55 + 10));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aChainOfGroupsBecomesChords(boolean eager) {
        start(eager);
        Signature<List<Integer>> doubled = app.group(List.of(twice.sig(1), twice.sig(2), twice.sig(3))).asSignature();

        // a group followed by a task is a chord: the task gets all the group's results
        TaskFuture<Integer> f = doubled.then(sum.sig()).then(plusOne).submit();

        assertThat(f.result(WAIT)).isEqualTo(13);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aFailedMemberFailsTheChordWithItsErrorAndTheErrorCallbackRunsOnce(boolean eager) {
        // one message at a time: the members run in order, so a second error callback would be queued behind the first
        start(eager, 1);

        TaskFuture<Integer> total = app.group(List.of(failIfOdd.sig(2), failIfOdd.sig(3), failIfOdd.sig(4), failIfOdd.sig(5)))
                .then(sum.sig())
                .onError(errback.sig())
                .submit();

        Throwable cause = org.assertj.core.api.Assertions.catchThrowableOfType(ExecutionException.class, total::get).getCause();
        assertThat(cause).isInstanceOfSatisfying(TaskFailedException.class, e -> {
            assertThat(e.remoteType()).isEqualTo(IllegalArgumentException.class.getName());
            assertThat(e.remoteMessage()).contains("chord member 'fail.if.odd'", "odd: ");
        });
        awaitErrbackThenStop();
        assertThat(errbackRuns).hasValue(1);
        assertThat(failedTaskNamed).hasValue(1);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aFailedStepFailsTheRestOfTheChainAndItsErrorCallbackRuns(boolean eager) {
        start(eager, 1);

        TaskFuture<Integer> f = plusOne.sig(2).then(failIfOdd).then(twice).onError(errback.sig()).submit();

        assertThatThrownBy(() -> f.result(WAIT)).isInstanceOfSatisfying(TaskFailedException.class, e -> {
            assertThat(e.taskName()).isEqualTo("twice");
            assertThat(e.remoteMessage()).contains("did not run", "'fail.if.odd'", "odd: 3");
        });
        awaitErrbackThenStop();
        assertThat(errbackRuns).hasValue(1);
        assertThat(failedTaskNamed).hasValue(1);
    }

    /**
     * Waits for the error callback to have run, then stops the worker (which finishes what it runs) and
     * checks nothing is left queued: a second error callback would be.
     */
    private void awaitErrbackThenStop() {
        Await.until(WAIT, "the error callback to run", () -> errbackRuns.get() > 0);
        if (worker != null) {
            worker.close();
            assertThat(app.broker().depth(WorkerOptions.DEFAULT_QUEUE)).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aChordWithAnEmptyHeaderRunsItsCallbackWithNoResults(boolean eager) {
        start(eager);

        TaskFuture<Integer> f = app.<Integer>group(List.of()).then(sum.sig()).submit();

        assertThat(f.result(WAIT)).isZero();
    }

    @Test
    void aChainStepKeepsTheTimeLimitOfTheHandleItWasMadeFrom() {
        start(false);
        Task<Integer, Integer> sleepy = app.task("sleepy", Integer.class, Integer.class, x -> {
            Thread.sleep(WAIT.toMillis());
            return x;
        });
        Task<Integer, Integer> limited = sleepy.withOptions(SubmitOptions.builder().softTimeLimit(Duration.ofMillis(200)).build());

        TaskFuture<Integer> f = twice.sig(1).then(limited).submit();

        // published by the worker after the first step, the second step still has its limit
        assertThatThrownBy(() -> f.result(WAIT)).isInstanceOfSatisfying(TaskFailedException.class,
                e -> assertThat(e.remoteType()).isEqualTo(SoftTimeLimitExceeded.class.getName()));
    }

    @Test
    void workflowMistakesAreClearErrors() {
        start(true);

        assertThatThrownBy(() -> twice.sig().then(plusOne).submit())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'twice', has no argument");
        assertThatThrownBy(() -> app.group(List.of(twice.sig(1))).asSignature().immutable())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only a single task's signature");
        assertThatThrownBy(() -> twice.sig(1).onError(app.group(List.of(twice.sig(1))).asSignature()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("single task's signature");
        assertThatThrownBy(() -> twice.withOptions(SubmitOptions.builder().idempotencyKey("once").build()).sig(1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a workflow step is published");
    }
}
