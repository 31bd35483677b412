import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import dev.amdahl.spi.BrokerProvider;
import dev.amdahl.spi.ResultBackendProvider;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * The Amdahl side of bench/redis-vs-celery and bench/rabbitmq-vs-celery.
 *   worker <url> <concurrency> <prefetch> [backend-url]   consume until killed
 *   client <url> <tasks> <roundtrips> [backend-url]       print throughput and round-trip latency
 *   schemes                                               print the URL schemes of the brokers and result backends
 *                                                         on the class path
 * The result backend is the broker's own unless a backend URL is given.
 */
public class AmdahlBench {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("schemes")) {
            System.out.println("brokers: " + String.join(" ", ServiceLoader.load(BrokerProvider.class).stream()
                    .flatMap(p -> p.get().schemes().stream()).sorted().toList()));
            System.out.println("backends: " + String.join(" ", ServiceLoader.load(ResultBackendProvider.class).stream()
                    .flatMap(p -> p.get().schemes().stream()).sorted().toList()));
            return;
        }
        String url = args[1];
        Amdahl.Builder builder = Amdahl.builder().broker(url);
        if (args.length > 4) {
            builder.resultBackend(args[4]);
        }
        try (Amdahl app = builder.build()) {
            Task<Integer, Integer> noop = app.task("bench.noop", Integer.class, Integer.class, n -> n);
            if (args[0].equals("worker")) {
                Worker w = app.startWorker(WorkerOptions.builder().concurrency(Integer.parseInt(args[2]))
                        .prefetch(Integer.parseInt(args[3])).build());
                System.out.println("READY");
                w.awaitTermination(java.time.Duration.ofDays(1));
                return;
            }
            int tasks = Integer.parseInt(args[2]);
            int roundTrips = Integer.parseInt(args[3]);
            // warm-up, untimed: connections, scripts, and the JIT, which compiles a method fully only after
            // some ten thousand calls. The two measured shapes take turns, three times: code they share is
            // compiled for the profile of whichever ran last, and C2 throws it away and compiles it again
            // when the other comes (seen with -Xlog:jit+compilation: a round trip run straight after the
            // group paid for some 250 compilations in its first second, and its p99 doubled)
            for (int round = 0; round < 3; round++) {
                noop.map(IntStream.range(0, tasks).boxed().toList()).get(300, TimeUnit.SECONDS);
                for (int i = 0; i < 3_000; i++) {
                    noop.submit(i).get(10, TimeUnit.SECONDS);
                }
            }

            long start = System.nanoTime();
            List<Integer> all = noop.map(IntStream.range(0, tasks).boxed().toList()).get(300, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (all.size() != tasks) {
                throw new IllegalStateException("got " + all.size() + " results");
            }
            System.out.printf("amdahl throughput: %.0f tasks/s (%d tasks in %.2f s)%n", tasks / seconds, tasks, seconds);

            long[] nanos = new long[roundTrips];
            for (int i = 0; i < roundTrips; i++) {
                long t0 = System.nanoTime();
                noop.submit(i).get(10, TimeUnit.SECONDS);
                nanos[i] = System.nanoTime() - t0;
            }
            Arrays.sort(nanos);
            System.out.printf("amdahl round trip: p50 %.3f ms, p99 %.3f ms%n",
                    nanos[roundTrips / 2] / 1e6, nanos[(int) (roundTrips * 0.99)] / 1e6);
        }
    }
}
