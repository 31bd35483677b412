package dev.amdahl.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ShutdownSignalException;
import dev.amdahl.spi.UrlMasking;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.GeneralSecurityException;
import java.util.Collection;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/**
 * The shared RabbitMQ of the integration tests (127.0.0.1:5672, guest/guest), queue names no other run uses, and
 * removing the queues a test leaves behind.
 *
 * <p>AMQP cannot list queues (only the management plugin can, and the tests do not need it), so a test deletes what it
 * names: its own queues, and with each the dead-letter queue {@code amdahl.dead.<queue>} the broker declares beside it.
 * The broker's delay queues ({@code amdahl.delay.*}) are shared by every queue of a vhost; a test that used them names
 * them too.
 */
final class RabbitTestSupport {

    /** The shared node, as the README's services bring it up. */
    static final String URL = "amqp://guest:guest@127.0.0.1:5672/";

    /** Where the broker dead-letters what a queue rejects for good. */
    static final String DEAD_LETTER_PREFIX = "amdahl.dead.";

    private RabbitTestSupport() {
    }

    /** {@link #URL} with URL options, e.g. {@code "queue-type=quorum"}; none when empty. */
    static URI url(String options) {
        return URI.create(options.isEmpty() ? URL : URL + "?" + options);
    }

    /** A queue name no other test run uses. */
    static String newQueueName(String testName) {
        return "it-" + testName + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Deletes each of {@code queues} and its dead-letter queue on the node of {@code url}, whatever they hold; a name
     * that is no queue is left as it is (RabbitMQ answers a delete of a missing queue with delete-ok).
     */
    static void deleteQueues(String url, Collection<String> queues) throws IOException, TimeoutException {
        try (Connection connection = connect(url); Channel channel = connection.createChannel()) {
            for (String queue : queues) {
                channel.queueDelete(queue);
                channel.queueDelete(DEAD_LETTER_PREFIX + queue);
            }
        }
    }

    /** Whether {@code queue} exists on the node of {@code url}: a passive declare, which the node refuses with 404. */
    static boolean queueExists(String url, String queue) throws IOException, TimeoutException {
        try (Connection connection = connect(url)) {
            // not closed on its own: a refused passive declare closes the channel
            Channel channel = connection.createChannel();
            try {
                channel.queueDeclarePassive(queue);
                return true;
            } catch (IOException e) {
                if (e.getCause() instanceof ShutdownSignalException signal && !signal.isHardError()
                        && signal.getReason() instanceof AMQP.Channel.Close close && close.getReplyCode() == AMQP.NOT_FOUND) {
                    return false;
                }
                throw e;
            }
        }
    }

    /** A plain client connection to {@code url}, without recovery: test code that must see a failure as one. */
    static Connection connect(String url) throws IOException, TimeoutException {
        ConnectionFactory factory = new ConnectionFactory();
        try {
            factory.setUri(url);
        } catch (URISyntaxException | GeneralSecurityException e) {
            throw new IllegalArgumentException("not a usable AMQP URL: " + UrlMasking.mask(URI.create(url)), e);
        }
        // the Java client reads the path "/" as the vhost "", the URI spec's reading; ours (and kombu's) is "/"
        if (factory.getVirtualHost().isEmpty()) {
            factory.setVirtualHost("/");
        }
        factory.setAutomaticRecoveryEnabled(false);
        factory.setConnectionTimeout(5_000);
        return factory.newConnection("amdahl-test-support");
    }
}
