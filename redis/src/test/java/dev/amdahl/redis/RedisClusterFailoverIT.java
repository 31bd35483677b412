package dev.amdahl.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.TaskFuture;
import dev.amdahl.WorkerOptions;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A master of a cluster of three masters with one replica each is SIGKILLed while a worker runs a queue spread
 * over all three: its replica is promoted, the client and the worker find the new topology on their own, and every
 * task completes with its value. Publishes and result stores wait for a replica (wait-replicas=1), so nothing the
 * killed master acknowledged was only on it; the killed node is started again once its replica took over, and
 * rejoins as that master's replica (until then, the promoted master has none, and wait-replicas refuses its writes).
 */
@Timeout(180)
class RedisClusterFailoverIT {

    private static final int TASKS = 600;

    @Test
    void aMasterDiesMidRunItsReplicaTakesOverAndEveryTaskCompletes() throws Exception {
        try (RedisClusterNodes cluster = RedisClusterNodes.start(3, 1)) {
            String url = cluster.url("prefix=failover&partitions=3&wait-replicas=1&visibility-timeout=2s&timeout=3s").toString();
            AtomicInteger ran = new AtomicInteger();
            try (Amdahl worker = Amdahl.builder().broker(url).resultBackend(url).defaultQueue("work").build();
                 Amdahl client = Amdahl.builder().broker(url).resultBackend(url).defaultQueue("work").build()) {
                worker.task("square", Integer.class, Long.class, n -> {
                    ran.incrementAndGet();
                    Thread.sleep(5);
                    return (long) n * n;
                });
                worker.startWorker(WorkerOptions.builder().queues("work").concurrency(4).prefetch(4).build());
                Task<Integer, Long> square = client.task("square", Integer.class, Long.class);
                List<TaskFuture<Long>> futures = new ArrayList<>();
                for (int i = 0; i < TASKS; i++) {
                    futures.add(square.submit(i));
                }
                RedisTestSupport.await("a third of the tasks to run", Duration.ofSeconds(60), () -> ran.get() >= TASKS / 3);

                // the master of the first third of the slots: it holds partition 0 and about a third of the results
                RedisClusterNodes.Node victim = cluster.masterOf(0);
                int victimPort = victim.port();
                victim.kill();
                RedisTestSupport.await("a replica to take over the dead master's slots", Duration.ofSeconds(30), () -> {
                    RedisClusterNodes.Node now = cluster.masterOf(0);
                    RedisClusterNodes.Node any = cluster.masterOf(SlotHash.SLOT_COUNT / 2);
                    RedisClusterNodes.Node last = cluster.masterOf(SlotHash.SLOT_COUNT - 1);
                    return now != null && any != null && last != null && now.alive() && any.alive() && last.alive();
                });
                // the promoted master has no replica, so wait-replicas=1 refuses its writes until one is back: the
                // dead node, restarted from its own directory, rejoins as the replica of the master that replaced it
                victim.start();

                for (int i = 0; i < TASKS; i++) {
                    assertThat(futures.get(i).get(90, TimeUnit.SECONDS)).as("task %d", i).isEqualTo((long) i * i);
                }
                assertThat(cluster.masterOf(0).port()).as("the master of slot 0 after the failover").isNotEqualTo(victimPort);
                System.out.printf("failover: %d tasks, %d runs, master on port %d killed after %d/%d had run%n",
                        TASKS, ran.get(), victimPort, TASKS / 3, TASKS);
            }
        }
    }
}
