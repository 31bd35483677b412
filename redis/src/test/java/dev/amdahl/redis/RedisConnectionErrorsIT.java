package dev.amdahl.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.amdahl.Amdahl;
import java.net.ServerSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 13, item 10: a Redis that cannot be reached says why (refused, unknown host, wrong or missing password, a
 * database number past the server's count) and what to check, at the URL's address as written, never Lettuce's
 * {@code 127.0.0.1/<unresolved>:6379} nor the password.
 */
@Timeout(90)
class RedisConnectionErrorsIT {

    private static PrivateRedis locked;

    @BeforeAll
    static void start() throws Exception {
        locked = new PrivateRedis("s3cret-pw");
        locked.start();
    }

    @AfterAll
    static void stop() throws Exception {
        locked.close();
    }

    private static String failure(String url) {
        Throwable t = catchThrowable(() -> Amdahl.builder().broker(url).build().close());
        assertThat(t).as(url).isNotNull();
        assertThat(t.getMessage()).doesNotContain("<unresolved>", "s3cret-pw", "wrong-pw");
        return t.getMessage();
    }

    @Test
    void aRefusedConnectionSaysSoAndWhatToCheck() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }

        assertThat(failure("redis://127.0.0.1:" + closed)).isEqualTo("cannot connect to Redis at redis://127.0.0.1:" + closed
                + "/0: the connection was refused: is Redis running there, and are the URL's host and port right?");
    }

    @Test
    void anUnknownHostIsNamed() {
        assertThat(failure("redis://no-such-host.invalid:6379")).startsWith(
                "cannot connect to Redis at redis://no-such-host.invalid:6379/0: the host no-such-host.invalid is unknown");
    }

    @Test
    void aWrongPasswordIsARefusedLogin() {
        assertThat(failure("redis://:wrong-pw@" + locked.hostPort())).startsWith("cannot connect to Redis at redis://"
                + locked.hostPort() + "/0: it refused the login (WRONGPASS").contains("check the user and password in the URL");
    }

    @Test
    void aMissingPasswordSaysWhereToWriteIt() {
        assertThat(failure("redis://" + locked.hostPort())).isEqualTo("cannot connect to Redis at redis://" + locked.hostPort()
                + "/0: it asks for a password and the URL gives none: write it in the URL, redis://:PASSWORD@host:port");
    }

    @Test
    void aDatabaseNumberPastTheServersCountIsNamed() {
        assertThat(failure("redis://:s3cret-pw@" + locked.hostPort() + "/99")).isEqualTo("cannot connect to Redis at redis://"
                + locked.hostPort() + "/99: it has no database 99: a Redis has 16 databases unless its 'databases' setting"
                + " says otherwise, numbered from 0; give one of them as the URL's path, e.g. redis://127.0.0.1:" + locked.port() + "/0");
    }
}
