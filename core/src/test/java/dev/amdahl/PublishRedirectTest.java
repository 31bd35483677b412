package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.PublishRedirect;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The seam of transactional enqueue: the submissions of one thread, for one call, publish elsewhere. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PublishRedirectTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Keeps what it is given, to publish later (a commit) or never (a rollback). */
    private static final class Held implements PublishRedirect.Publisher {
        record Publish(String queue, List<OutboundMessage> messages) {
        }

        final List<Publish> publishes = new ArrayList<>();
        final List<String> submitted = new ArrayList<>();

        @Override
        public void publishAll(String queue, List<OutboundMessage> messages) {
            publishes.add(new Publish(queue, List.copyOf(messages)));
        }

        @Override
        public void submitted(String taskId) {
            submitted.add(taskId);
        }

        int messages() {
            return publishes.stream().mapToInt(p -> p.messages().size()).sum();
        }
    }

    @Test
    void everyFormOfSubmissionOnThisThreadGoesToThePublisherAndRunsOnceItIsPublished() throws Exception {
        try (Amdahl app = Amdahl.builder().build()) {
            Task<Integer, Integer> twice = app.task("twice", Integer.class, Integer.class, x -> 2 * x);
            Task<List<Integer>, Integer> sum = app.task("sum", new TypeRef<List<Integer>>() { }, TypeRef.of(Integer.class),
                    xs -> xs.stream().mapToInt(Integer::intValue).sum());
            Held held = new Held();

            List<TaskFuture<?>> futures = PublishRedirect.call(app.broker(), held, () -> {
                List<TaskFuture<?>> all = new ArrayList<>();
                all.add(twice.submit(1));                                                   // a task
                all.add(twice.sig(2).then(twice).submit());                                 // a chain
                all.addAll(twice.map(List.of(3, 4)).members());                             // a map
                all.addAll(twice.map(List.of(5, 6, 7), 2).members());                       // a map in chunks
                all.addAll(app.group(List.of(twice.sig(8), twice.sig(9))).submit().members()); // a group
                all.add(app.group(List.of(twice.sig(10), twice.sig(11))).then(sum.sig()).submit()); // a chord
                return all;
            });

            assertThat(app.broker().depth(app.defaultQueue())).isZero();
            // one task, one chain head, two, two chunks, two, two chord members
            assertThat(held.messages()).isEqualTo(1 + 1 + 2 + 2 + 2 + 2);
            assertThat(held.submitted).containsAll(futures.stream().map(TaskFuture::id).toList());
            // the chain's and the chord's futures watch their last tasks, which are not among the messages published
            List<String> published = held.publishes.stream().flatMap(p -> p.messages().stream()).map(OutboundMessage::id).toList();
            assertThat(published).doesNotContain(futures.get(1).id(), futures.get(futures.size() - 1).id());

            app.startWorker(WorkerOptions.builder().concurrency(2).build());
            held.publishes.forEach(p -> app.broker().publishAll(p.queue(), p.messages()));   // the commit
            List<Object> results = new ArrayList<>();
            for (TaskFuture<?> f : futures) {
                results.add(f.result(WAIT));
            }
            assertThat(results).containsExactly(2, 8, 6, 8, 10, 12, 14, 16, 18, 42);
        }
    }

    @Test
    void anotherThreadAndAnotherBrokerPublishAsAlways() throws Exception {
        try (Amdahl app = Amdahl.builder().build(); Amdahl other = Amdahl.builder().build()) {
            Task<Integer, Integer> here = app.task("here", Integer.class, Integer.class, x -> x);
            Task<Integer, Integer> there = other.task("there", Integer.class, Integer.class, x -> x);
            Held held = new Held();

            PublishRedirect.call(app.broker(), held, () -> {
                CompletableFuture.runAsync(() -> here.submit(1)).get();
                there.submit(2);
                return null;
            });

            assertThat(held.publishes).isEmpty();
            assertThat(app.broker().depth(app.defaultQueue())).isEqualTo(1);
            assertThat(other.broker().depth(other.defaultQueue())).isEqualTo(1);
        }
    }

    @Test
    void theInnermostRedirectWinsAndEachCallRestoresWhatHeldBeforeEvenWhenItThrows() throws Exception {
        try (Amdahl app = Amdahl.builder().build()) {
            Task<Integer, Integer> echo = app.task("echo", Integer.class, Integer.class, x -> x);
            Held outer = new Held();
            Held inner = new Held();

            PublishRedirect.call(app.broker(), outer, () -> {
                echo.submit(1);
                assertThatThrownBy(() -> PublishRedirect.call(app.broker(), inner, () -> {
                    echo.submit(2);
                    throw new IllegalStateException("the work failed");
                })).hasMessage("the work failed");
                echo.submit(3);
                return null;
            });
            echo.submit(4);

            assertThat(outer.messages()).isEqualTo(2);
            assertThat(inner.messages()).isEqualTo(1);
            assertThat(PublishRedirect.current(app.broker())).isEmpty();
            assertThat(app.broker().depth(app.defaultQueue())).isEqualTo(1);
        }
    }

    @Test
    void anIdempotencyKeyIsRefusedInsideARedirectSinceADiscardedPublishWouldKeepItClaimed() throws Exception {
        try (Amdahl app = Amdahl.builder().build()) {
            Task<Integer, Integer> charge = app.task("charge", Integer.class, Integer.class, x -> x);
            Task<Integer, Integer> keyed = charge.withOptions(SubmitOptions.builder().idempotencyKey("order-42").build());
            Held held = new Held();

            PublishRedirect.call(app.broker(), held, () -> {
                assertThatThrownBy(() -> keyed.submit(1)).isInstanceOf(AmdahlException.class)
                        .hasMessageContaining("idempotency key 'order-42'", "transactional enqueue", "without the key");
                return null;
            });

            assertThat(held.publishes).isEmpty();
            assertThat(keyed.submit(1).id()).isNotNull();     // outside, the key works as always
            assertThat(app.broker().depth(app.defaultQueue())).isEqualTo(1);
        }
    }
}
