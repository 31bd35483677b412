package dev.amdahl.celery;

import dev.amdahl.Amdahl;
import dev.amdahl.TaskContext;
import dev.amdahl.WorkerOptions;
import dev.amdahl.testkit.ChildJvm;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.concurrent.CountDownLatch;

/**
 * A Java worker in its own JVM for {@link PythonCeleryInterop}: serves {@code interop.record} on a Celery queue and
 * never finishes one; each task it takes adds its id to the Redis set {@code <queue>.held} (in the result backend's
 * database), so the test knows what it holds when it kills this process. Arguments: the broker URL, the result backend
 * URL (Celery's Redis backend), the queue.
 */
public final class HoldingCeleryWorkerMain {

    private HoldingCeleryWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        String broker = args[0];
        String backend = args[1];
        String queue = args[2];
        RedisClient client = RedisClient.create(backend);
        StatefulRedisConnection<String, String> redis = client.connect();
        CountDownLatch never = new CountDownLatch(1);
        Amdahl app = Amdahl.builder().wireProtocol("celery").broker(broker).resultBackend(backend).defaultQueue(queue).build();
        app.task("interop.record", Integer.class, Integer.class, n -> {
            redis.sync().sadd(queue + ".held", TaskContext.current().taskId());
            never.await();
            return n;
        });
        app.startWorker(WorkerOptions.builder().queues(queue).concurrency(2).build());
        ChildJvm.liveWhileParentDoes();
    }
}
