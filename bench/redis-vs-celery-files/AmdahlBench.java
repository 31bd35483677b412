import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import dev.amdahl.spi.BrokerProvider;
import dev.amdahl.spi.ResultBackendProvider;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
 * With a redis:// broker URL the client also prints what the timed runs cost Redis per task: the time its
 * commands took by INFO commandstats (top level: scripts, and the commands the client libraries send
 * themselves; the commands scripts call are inside their script's time) and its main thread's CPU by INFO cpu,
 * which adds reading and writing the sockets. Both are deltas over the timed runs, so a private Redis
 * (REDIS_PORT in the bench scripts) gives exact figures; a shared one adds whatever else ran meanwhile.
 * BENCH_GROUPS=n times n groups of N in a row instead of one (the last is the headline throughput): how fast
 * long-running, warm JVMs go.
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

            int groups = Integer.parseInt(System.getenv().getOrDefault("BENCH_GROUPS", "1"));
            RedisStats stats = RedisStats.of(url);
            Map<String, double[]> before = stats.sample();
            double seconds = 0;
            for (int g = 1; g <= groups; g++) {
                long start = System.nanoTime();
                List<Integer> all = noop.map(IntStream.range(0, tasks).boxed().toList()).get(300, TimeUnit.SECONDS);
                seconds = (System.nanoTime() - start) / 1e9;
                if (all.size() != tasks) {
                    throw new IllegalStateException("got " + all.size() + " results");
                }
                if (groups > 1) {
                    System.out.printf("amdahl group %d: %.0f tasks/s%n", g, tasks / seconds);
                }
            }
            Map<String, double[]> afterGroups = stats.sample();
            stats.print("group", before, afterGroups, (long) tasks * groups);
            System.out.printf("amdahl throughput: %.0f tasks/s (%d tasks in %.2f s)%n", tasks / seconds, tasks, seconds);

            long[] nanos = new long[roundTrips];
            long[] startedAt = new long[roundTrips];
            for (int i = 0; i < roundTrips; i++) {
                startedAt[i] = System.currentTimeMillis();
                long t0 = System.nanoTime();
                noop.submit(i).get(10, TimeUnit.SECONDS);
                nanos[i] = System.nanoTime() - t0;
            }
            if (System.getenv("BENCH_SLOWEST") != null) {
                // when the slowest round trips began (wall clock, as -Xlog's 'time' decorator prints it), to hold
                // them against GC pauses and compilations in both JVMs' logs
                Integer[] order = IntStream.range(0, roundTrips).boxed().toArray(Integer[]::new);
                Arrays.sort(order, (a, b) -> Long.compare(nanos[b], nanos[a]));
                for (int k = 0; k < Math.min(roundTrips, Integer.parseInt(System.getenv("BENCH_SLOWEST"))); k++) {
                    System.out.printf("amdahl slow round trip: %s %.3f ms%n",
                            java.time.Instant.ofEpochMilli(startedAt[order[k]]), nanos[order[k]] / 1e6);
                }
            }
            stats.print("round trip", afterGroups, stats.sample(), roundTrips);
            stats.close();
            Arrays.sort(nanos);
            System.out.printf("amdahl round trip: p50 %.3f ms, p99 %.3f ms%n",
                    nanos[roundTrips / 2] / 1e6, nanos[(int) (roundTrips * 0.99)] / 1e6);
        }
    }

    /** Deltas of INFO commandstats and INFO cpu on the broker's Redis; does nothing for other brokers. */
    private record RedisStats(RedisClient client, StatefulRedisConnection<String, String> connection) {

        static RedisStats of(String url) {
            URI uri = URI.create(url);
            if (!uri.getScheme().equals("redis")) {
                return new RedisStats(null, null);
            }
            RedisClient client = RedisClient.create("redis://" + uri.getHost() + ":" + (uri.getPort() < 0 ? 6379 : uri.getPort()));
            return new RedisStats(client, client.connect());
        }

        /** usec and calls per command, and "cpu" (main thread user + sys, in usec). */
        Map<String, double[]> sample() {
            Map<String, double[]> out = new TreeMap<>();
            if (connection == null) {
                return out;
            }
            for (String line : connection.sync().info("commandstats").split("\r?\n")) {
                if (line.startsWith("cmdstat_")) {
                    String name = line.substring(8, line.indexOf(':'));
                    double calls = 0, usec = 0;
                    for (String kv : line.substring(line.indexOf(':') + 1).split(",")) {
                        String[] p = kv.split("=");
                        if (p[0].equals("calls")) calls = Double.parseDouble(p[1]);
                        if (p[0].equals("usec")) usec = Double.parseDouble(p[1]);
                    }
                    out.put(name, new double[] {usec, calls});
                }
            }
            double cpu = 0;
            for (String line : connection.sync().info("cpu").split("\r?\n")) {
                if (line.startsWith("used_cpu_sys_main_thread:") || line.startsWith("used_cpu_user_main_thread:")) {
                    cpu += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim()) * 1e6;
                }
            }
            out.put("cpu", new double[] {cpu, 0});
            return out;
        }

        /**
         * The scripts' time, and that of every other command (the commands a script calls are counted in commandstats
         * too, inside their script's time, so their sum is an upper bound of what Redis spent in commands; with the
         * hot path's commands sent outside scripts, the scripts' part is small and the bound near the truth). The
         * reads the client libraries send themselves (MGET, GET) are printed apart, as before.
         */
        private static final java.util.Set<String> READS = java.util.Set.of("mget", "get");
        private static final java.util.Set<String> BOOKKEEPING = java.util.Set.of("info", "subscribe", "ssubscribe",
                "unsubscribe", "ping", "hello", "client|setinfo", "time");

        void print(String what, Map<String, double[]> from, Map<String, double[]> to, long tasks) {
            if (connection == null) {
                return;
            }
            double scripts = 0, reads = 0, others = 0;
            StringBuilder detail = new StringBuilder();
            for (var e : to.entrySet()) {
                double[] b = from.getOrDefault(e.getKey(), new double[2]);
                double usec = e.getValue()[0] - b[0], calls = e.getValue()[1] - b[1];
                if (e.getKey().equals("cpu") || calls == 0) {
                    continue;
                }
                if (e.getKey().startsWith("eval") || e.getKey().startsWith("fcall")) {
                    scripts += usec;
                } else if (READS.contains(e.getKey())) {
                    reads += usec;
                } else if (!BOOKKEEPING.contains(e.getKey())) {
                    others += usec;
                }
                detail.append(String.format(" %s %.2f/%.2f", e.getKey(), calls / tasks, usec / tasks));
            }
            double cpu = to.get("cpu")[0] - from.get("cpu")[0];
            System.out.printf("amdahl redis per task, %s: %.2f us in scripts + %.2f us in reads + %.2f us in other commands"
                    + " (or inside scripts) = at most %.2f us, %.2f us main-thread CPU (%d tasks; calls/us per task:%s)%n", what,
                    scripts / tasks, reads / tasks, others / tasks, (scripts + reads + others) / tasks, cpu / tasks, tasks, detail);
        }

        void close() {
            if (client != null) {
                connection.close();
                client.shutdown();
            }
        }
    }
}
