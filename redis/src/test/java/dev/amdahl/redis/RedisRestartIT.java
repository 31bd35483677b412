package dev.amdahl.redis;

import static dev.amdahl.redis.RedisTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.TaskState;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Redis is killed with SIGKILL in the middle of a run and started again on the same port. The consumer is
 * never told: it must resume by itself, nothing it acknowledged may come back, and nothing it had not
 * acknowledged may be lost.
 */
class RedisRestartIT {

    private static final int TOTAL = 400;

    @Test
    void aRedisRestartLosesNothingAndTheConsumerResumesOnItsOwn() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            redis.start();
            URI url = URI.create("redis://" + redis.hostPort() + "/0?prefix=restart&visibility-timeout=1s&timeout=2s");
            Broker producer = new RedisBrokerProvider().open(url, ProviderContext.ofDefaults());
            Broker consumer = new RedisBrokerProvider().open(url, ProviderContext.ofDefaults());
            ResultBackend results = new RedisResultBackendProvider().open(url, ProviderContext.ofDefaults());
            String queue = "work";
            List<OutboundMessage> batch = new ArrayList<>();
            for (int i = 0; i < TOTAL; i++) {
                batch.add(OutboundMessage.of("m-" + i, Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.publishAll(queue, batch);

            // what the consumer did: ids whose ack returned, ids delivered again after their ack returned
            Set<String> acked = ConcurrentHashMap.newKeySet();
            Set<String> deliveredAfterAck = ConcurrentHashMap.newKeySet();
            AtomicInteger failedCalls = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch stopped = new CountDownLatch(1);
            Thread worker = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        try {
                            for (Delivery d : consumer.poll(List.of(queue), 5, Duration.ofMillis(200))) {
                                if (acked.contains(d.messageId())) {
                                    deliveredAfterAck.add(d.messageId());
                                }
                                consumer.ack(d);
                                acked.add(d.messageId());
                                Thread.sleep(2); // keep the run going long enough to kill Redis mid-way
                            }
                        } catch (RuntimeException e) {
                            // the ack (or poll) failed while Redis was down: the message comes back later
                            failedCalls.incrementAndGet();
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    stopped.countDown();
                }
            }, "restart-it-consumer");
            worker.start();

            await("a quarter of the messages to be acknowledged", Duration.ofSeconds(20), () -> acked.size() >= TOTAL / 4);
            redis.kill();
            int ackedBeforeKill = acked.size();
            redis.start();

            await("every message to be acknowledged after the restart", Duration.ofSeconds(60), () -> acked.size() == TOTAL);
            stop.set(true);
            stopped.await();

            assertThat(ackedBeforeKill).isLessThan(TOTAL);
            assertThat(deliveredAfterAck).as("messages delivered again although their ack had returned").isEmpty();
            assertThat(consumer.depth(queue)).isZero();

            // results survive too, and a waiter registered before the restart is woken after it
            String id = "after-restart";
            CountDownLatch woken = new CountDownLatch(1);
            results.whenReady(id, r -> woken.countDown());
            producer.close();
            redis.kill();
            redis.start();
            results.store(new TaskRecord(id, "t", TaskState.SUCCESS, "1", null, 0, "w", Instant.now(), Instant.now(), 1));
            assertThat(woken.await(20, java.util.concurrent.TimeUnit.SECONDS)).as("waiter woken after the restart").isTrue();
            assertThat(results.get(id).map(TaskRecord::result)).contains("1");

            consumer.close();
            results.close();
        }
    }
}
