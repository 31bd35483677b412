package dev.amdahl.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.amdahl.Amdahl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 13, item 10: a virtual host that does not exist is named in words, not as the protocol frame RabbitMQ sent. */
@Timeout(60)
class RabbitConnectionErrorsIT {

    @Test
    void aMissingVirtualHostSaysHowToCreateIt() {
        Throwable t = catchThrowable(() -> Amdahl.builder().broker("amqp://guest:guest@127.0.0.1:5672/no-such-vhost").build().close());

        assertThat(t).isNotNull();
        assertThat(t.getMessage()).isEqualTo("RabbitMQ at amqp://127.0.0.1:5672/no-such-vhost has no virtual host 'no-such-vhost':"
                + " create it (rabbitmqctl add_vhost no-such-vhost, and give the user permissions on it) or name one that exists"
                + " as the URL's path (amqp://host:5672/ for the default, '/')")
                .doesNotContain("reply-code", "guest:guest");
    }
}
