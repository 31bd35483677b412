package dev.amdahl.internal.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.GroupFuture;
import dev.amdahl.Task;
import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.spi.ForwardingBroker;
import dev.amdahl.spi.OutboundMessage;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A batch carries decoded forms for no more messages than the embedded broker keeps: each carried form holds its
 * message alive beside its bytes until the whole batch is published, and a {@code map} of a million that carried every
 * one did not fit the 512 MiB heap that a million pending tasks must fit.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CarriedBatchTest {

    @Test
    void aMapCarriesTheDecodedFormsOfAsManyMessagesAsTheBrokerKeepsAndNoMore() {
        List<OutboundMessage> published = Collections.synchronizedList(new ArrayList<>());
        ForwardingBroker capturing = new ForwardingBroker(new MemoryBroker(Clock.systemUTC(), Duration.ofSeconds(60), 5)) {
            @Override
            public boolean carriesDecoded() {
                return true;
            }

            @Override
            public void publishAll(String queue, List<OutboundMessage> messages) {
                published.addAll(messages);
                super.publishAll(queue, messages);
            }
        };
        int tasks = MemoryBroker.MAX_CARRIED + 100;
        try (Amdahl app = Amdahl.builder().broker(capturing).build()) {
            Task<Integer, Integer> noop = app.task("carried.noop", Integer.class, Integer.class, x -> x);

            GroupFuture<Integer> group = noop.map(Collections.nCopies(tasks, 7), 1);

            assertThat(group.members()).hasSize(tasks);
            assertThat(published).hasSize(tasks);
            assertThat(published.subList(0, MemoryBroker.MAX_CARRIED)).allMatch(m -> m.decoded() != null);
            assertThat(published.subList(MemoryBroker.MAX_CARRIED, tasks)).allMatch(m -> m.decoded() == null);
        }
    }
}
