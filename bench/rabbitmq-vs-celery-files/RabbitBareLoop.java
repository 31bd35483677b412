import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The ceiling of bench/rabbitmq-vs-celery: no-op tasks over the RabbitMQ Java client alone, no framework, with the
 * durability Amdahl's RabbitMQ broker gives a task. Durable queues, persistent messages, publisher confirms on every
 * publish (tasks and results), manual acknowledgements; a task is acknowledged only once the broker has confirmed its
 * result. Results go back to a durable reply queue (not direct reply-to, which keeps nothing), one per client.
 *   worker <url> <prefetch>   consume until killed: one consumer of basic.qos prefetch, as Amdahl's worker has (the
 *                             no-op runs on the client's consumer thread: it needs no pool); results on a second channel
 *   client <url> <tasks> <roundtrips> <confirm-batch>   print throughput and round-trip latency
 */
public class RabbitBareLoop {
    static final String TASKS = "bench.bare.tasks";
    static final String REPLIES = "bench.bare.replies";

    public static void main(String[] args) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(args[1]);
        if (args[0].equals("worker")) {
            worker(factory, Integer.parseInt(args[2]));
        } else {
            client(factory, Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        }
    }

    static void worker(ConnectionFactory factory, int prefetch) throws Exception {
        Connection connection = factory.newConnection("bench-bare-worker");
        // Consuming and publishing on channels of their own, as Amdahl's broker does: RabbitMQ runs each channel as
        // one process, and with deliveries, results and acks on one channel the loop did 4,800-5,900 tasks/s against
        // 7,400-11,300 with two (back to back, 2026-12-01).
        Channel consume = connection.createChannel();
        Channel publish = connection.createChannel();
        consume.queueDeclare(TASKS, true, false, false, null);
        consume.basicQos(prefetch);
        publish.confirmSelect();
        // The delivery tag of the task whose result has each publish sequence number. The one consumer publishes the
        // results in delivery order, so both counters rise together: a multiple confirm up to result n is the go-ahead
        // to acknowledge every task up to n's at once.
        ConcurrentNavigableMap<Long, Long> taskOfResult = new ConcurrentSkipListMap<>();
        // a result the broker refused sends its task back to the queue, to run again
        publish.addConfirmListener((seq, multiple) -> settle(consume, taskOfResult, seq, multiple, true),
                (seq, multiple) -> settle(consume, taskOfResult, seq, multiple, false));
        consume.basicConsume(TASKS, false, (tag, delivery) -> {
            AMQP.BasicProperties task = delivery.getProperties();
            byte[] result = delivery.getBody(); // the no-op returns its argument
            taskOfResult.put(publish.getNextPublishSeqNo(), delivery.getEnvelope().getDeliveryTag());
            publish.basicPublish("", task.getReplyTo(), new AMQP.BasicProperties.Builder().deliveryMode(2)
                    .correlationId(task.getCorrelationId()).build(), result);
        }, tag -> System.err.println("consumer cancelled by the broker: " + tag));
        System.out.println("READY");
        new CountDownLatch(1).await();
    }

    static void settle(Channel consume, ConcurrentNavigableMap<Long, Long> taskOfResult, long seq, boolean multiple,
                       boolean stored) throws java.io.IOException {
        NavigableMap<Long, Long> confirmed = taskOfResult.headMap(seq, true);
        if (!multiple) {
            confirmed = confirmed.tailMap(seq, true);
        }
        if (confirmed.isEmpty()) {
            return;
        }
        long tag = confirmed.lastEntry().getValue();
        if (stored) {
            consume.basicAck(tag, multiple);
        } else {
            consume.basicNack(tag, multiple, true);
        }
        confirmed.clear();
    }

    static void client(ConnectionFactory factory, int tasks, int roundTrips, int confirmBatch) throws Exception {
        try (Connection connection = factory.newConnection("bench-bare-client")) {
            Channel publish = connection.createChannel();
            publish.queueDeclare(TASKS, true, false, false, null);
            publish.queueDeclare(REPLIES, true, false, false, null);
            publish.confirmSelect();
            Map<String, CompletableFuture<byte[]>> waiting = new ConcurrentHashMap<>();
            Channel replies = connection.createChannel();
            replies.basicConsume(REPLIES, false, (tag, delivery) -> {
                CompletableFuture<byte[]> f = waiting.remove(delivery.getProperties().getCorrelationId());
                if (f != null) {
                    f.complete(delivery.getBody());
                }
                replies.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
            }, tag -> System.err.println("reply consumer cancelled by the broker: " + tag));

            long[] next = {0};
            // a task publish returns once the broker has confirmed it, as Amdahl's submit does; a group waits for
            // its confirms once per batch, not once per task
            class Submitter {
                List<CompletableFuture<byte[]>> group(int n) throws Exception {
                    List<CompletableFuture<byte[]>> futures = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        futures.add(publishOne(i));
                        if ((i + 1) % confirmBatch == 0 || i == n - 1) {
                            publish.waitForConfirmsOrDie(10_000);
                        }
                    }
                    return futures;
                }

                CompletableFuture<byte[]> one(int n) throws Exception {
                    CompletableFuture<byte[]> f = publishOne(n);
                    publish.waitForConfirmsOrDie(10_000);
                    return f;
                }

                private CompletableFuture<byte[]> publishOne(int n) throws Exception {
                    String id = Long.toString(next[0]++);
                    CompletableFuture<byte[]> f = new CompletableFuture<>();
                    waiting.put(id, f);
                    publish.basicPublish("", TASKS, new AMQP.BasicProperties.Builder().deliveryMode(2)
                            .correlationId(id).replyTo(REPLIES).build(),
                            Integer.toString(n).getBytes(StandardCharsets.US_ASCII));
                    return f;
                }
            }
            Submitter submit = new Submitter();

            // warm-up, untimed, the same as AmdahlBench's: the two shapes take turns, three times
            for (int round = 0; round < 3; round++) {
                awaitAll(submit.group(tasks));
                for (int i = 0; i < 3_000; i++) {
                    submit.one(i).get(10, TimeUnit.SECONDS);
                }
            }

            long start = System.nanoTime();
            int got = awaitAll(submit.group(tasks));
            double seconds = (System.nanoTime() - start) / 1e9;
            if (got != tasks) {
                throw new IllegalStateException("got " + got + " results");
            }
            System.out.printf("bare throughput: %.0f tasks/s (%d tasks in %.2f s)%n", tasks / seconds, tasks, seconds);

            long[] nanos = new long[roundTrips];
            for (int i = 0; i < roundTrips; i++) {
                long t0 = System.nanoTime();
                submit.one(i).get(10, TimeUnit.SECONDS);
                nanos[i] = System.nanoTime() - t0;
            }
            Arrays.sort(nanos);
            System.out.printf("bare round trip: p50 %.3f ms, p99 %.3f ms%n",
                    nanos[roundTrips / 2] / 1e6, nanos[(int) (roundTrips * 0.99)] / 1e6);
        }
    }

    static int awaitAll(List<CompletableFuture<byte[]>> futures) throws Exception {
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(300, TimeUnit.SECONDS);
        return futures.size();
    }
}
