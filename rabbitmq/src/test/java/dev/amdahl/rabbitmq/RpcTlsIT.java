package dev.amdahl.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code rpcs://}: results over direct reply-to on a private node that listens for TLS only, its broker URL's
 * {@code ca-file} trusted by the backend too, as the CLI passes it on ({@code amqps://…} becomes {@code rpcs://…}).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RpcTlsIT {

    @RegisterExtension
    static final PrivateRabbit rabbit = PrivateRabbit.forTestClass(true);

    @Test
    void tasksAndAChainAreAnsweredOverTls() throws Exception {
        String rest = "://guest:guest@127.0.0.1:" + rabbit.tlsPort() + "/?ca-file=" + rabbit.certificates().file("ca.crt");
        try (Amdahl workerApp = Amdahl.builder().broker("amqps" + rest).resultBackend("rpcs" + rest).build();
             Amdahl client = Amdahl.builder().broker("amqps" + rest).resultBackend("rpcs" + rest).build()) {
            for (Amdahl app : List.of(workerApp, client)) {
                app.task("tls.square", Integer.class, Integer.class, n -> n * n);
                app.task("tls.increment", Integer.class, Integer.class, n -> n + 1);
            }
            try (Worker ignored = workerApp.startWorker(WorkerOptions.builder().concurrency(2).build())) {
                Task<Integer, Integer> square = client.task("tls.square", Integer.class, Integer.class);
                assertThat(square.map(List.of(1, 2, 3)).get(60, TimeUnit.SECONDS)).containsExactly(1, 4, 9);
                assertThat(square.sig(3).then(client.task("tls.increment", Integer.class, Integer.class)).submit()
                        .get(60, TimeUnit.SECONDS)).isEqualTo(10);
            }
        }
    }
}
