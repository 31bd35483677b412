import dev.amdahl.Amdahl;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.TaskRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * Publishes one chunk message of N arguments for the example task montecarlo.pi straight to a broker, past
 * the client's limits (as a hostile or foreign client would), then waits for its task's record and prints it.
 * Run by run.sh: java -cp cli/target/amdahl.jar bench/worker-memory/PublishBigMessage.java URL QUEUE N
 */
public class PublishBigMessage {

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String queue = args[1];
        int n = Integer.parseInt(args[2]);
        String id = "worker-memory-" + UUID.randomUUID();
        StringBuilder body = new StringBuilder(40 * n + 200).append("{\"amdahl\":1,\"id\":\"").append(id)
                .append("\",\"task\":\"montecarlo.pi\",\"chunk\":true,\"args\":[");
        for (int i = 0; i < n; i++) {
            body.append(i == 0 ? "" : ",").append("{\"seed\":").append(i).append(",\"samples\":1}");
        }
        byte[] bytes = body.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        try (Amdahl app = Amdahl.builder().broker(url).build()) {
            long t0 = System.nanoTime();
            app.broker().publish(queue, OutboundMessage.of(id, bytes));
            System.out.printf("published %s: %,d arguments, %,d bytes%n", id, n, bytes.length);
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (System.nanoTime() < deadline) {
                Optional<TaskRecord> r = app.resultBackend().get(id);
                if (r.isPresent() && r.get().state().isReady()) {
                    String why = r.get().error() == null ? "" : ": " + r.get().error().message();
                    System.out.printf("record %s after %.1f s%s%n", r.get().state(), (System.nanoTime() - t0) / 1e9,
                            why.length() > 300 ? why.substring(0, 300) + "..." : why);
                    return;
                }
                Thread.sleep(200);   // a measuring script polling a record, not a test
            }
            System.out.println("no final record after 10 minutes");
        }
    }
}
