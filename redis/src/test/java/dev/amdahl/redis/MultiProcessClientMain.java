package dev.amdahl.redis;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * The client process of {@link MultiProcessIT}: submits {@code n} tasks as one group, waits for all of
 * them, checks every result, and prints {@code OK <n>} (exit 0) or what is wrong (exit 1).
 */
public final class MultiProcessClientMain {

    private MultiProcessClientMain() {
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[1]);
        try (Amdahl app = Amdahl.builder().broker(args[0]).build()) {
            Task<Integer, Integer> square = MultiProcessIT.register(app);
            List<Integer> results = square.map(IntStream.range(0, n).boxed().toList())
                    .get(Duration.ofMinutes(3).toMillis(), TimeUnit.MILLISECONDS);
            for (int i = 0; i < n; i++) {
                if (results.get(i) != i * i) {
                    System.out.println("WRONG result " + i + ": " + results.get(i));
                    System.exit(1);
                }
            }
            System.out.println("OK " + results.size());
        }
        System.exit(0);
    }
}
