package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The examples of docs/workflows.md, run; each snippet between markers must appear in the guide as is. */
class WorkflowGuideTest {

    record Order(String id, int items) { }

    static final class Shop implements TaskCatalog {
        @Override
        public void register(Amdahl app) {
            app.task("shop.price", Order.class, Integer.class, o -> o.items() * 5);
            app.task("shop.tax", Integer.class, Integer.class, cents -> cents + cents / 5);
            app.task("shop.total", int[].class, Integer.class, xs -> Arrays.stream(xs).sum());
            app.task("shop.alert", FailedTask.class, String.class, f -> "paged: " + f.taskName() + " " + f.message());
        }
    }

    @Test
    void theGuideExamplesRun() throws Exception {
        try (Amdahl app = Amdahl.builder().include(Shop.class).build();
             Worker worker = app.startWorker(WorkerOptions.builder().concurrency(2).build())) {
            // --- guide: handles ---
            Task<Order, Integer> price = app.task("shop.price", Order.class, Integer.class);
            Task<Integer, Integer> tax = app.task("shop.tax", Integer.class, Integer.class);
            Task<int[], Integer> total = app.task("shop.total", int[].class, Integer.class);
            Task<FailedTask, String> alert = app.task("shop.alert", FailedTask.class, String.class);
            // --- end ---

            // --- guide: chain ---
            TaskFuture<Integer> withTax = price.sig(new Order("o-1", 10)).then(tax).submit();
            assertThat(withTax.get()).isEqualTo(60);            // 10 items x 5 = 50, plus 20 % tax
            // --- end ---

            // --- guide: group ---
            List<Order> orders = List.of(new Order("o-1", 1), new Order("o-2", 2), new Order("o-3", 3));
            GroupFuture<Integer> prices = app.group(orders.stream().map(price::sig).toList()).submit();
            assertThat(prices.get()).containsExactly(5, 10, 15);  // in member order
            // --- end ---

            // --- guide: chord ---
            TaskFuture<Integer> sum = app.group(orders.stream().map(o -> price.sig(o).then(tax)).toList())
                    .then(total.sig())
                    .onError(alert.sig())
                    .submit();
            assertThat(sum.get()).isEqualTo(6 + 12 + 18);
            // --- end ---

            // --- guide: immutable ---
            TaskFuture<Integer> fixed = price.sig(new Order("o-9", 1)).then(tax.sig(100).immutable()).submit();
            assertThat(fixed.get()).isEqualTo(120);             // tax ignored the price before it
            // --- end ---

            assertThat(app.group(List.<Signature<Integer>>of()).then(total.sig()).submit().result(Duration.ofSeconds(10))).isZero();
        }
    }

    @Test
    void theGuideShowsTheseSnippets() throws Exception {
        assertThat(DocSnippets.assertShown(WorkflowGuideTest.class, "docs/workflows.md"))
                .containsExactly("handles", "chain", "group", "chord", "immutable");
    }
}
