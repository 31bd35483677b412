package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 13, item 10: a Redis the commands cannot use says why and what to check, in one line without a stack trace or
 * Lettuce's {@code <unresolved>}; the causes themselves are tested in the redis module (RedisConnectionErrorsIT).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisErrorsIT {

    @Test
    void aRedisThatIsNotThereIsARefusedConnection() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }

        Cli.Result r = Cli.run("status", "--broker", "redis://127.0.0.1:" + closed);

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).startsWith("amdahl status: cannot connect to Redis at redis://127.0.0.1:" + closed
                + "/0: the connection was refused: is Redis running there, and are the URL's host and port right?")
                .doesNotContain("<unresolved>", "\tat ");
    }

    @Test
    void aDatabaseNumberPastTheServersCountIsNamed() {
        Cli.Result r = Cli.run("submit", "--broker", "redis://127.0.0.1:6379/99", "montecarlo.pi", "{}");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("cannot connect to Redis at redis://127.0.0.1:6379/99: it has no database 99")
                .doesNotContain("<unresolved>", "\tat ");
    }
}
