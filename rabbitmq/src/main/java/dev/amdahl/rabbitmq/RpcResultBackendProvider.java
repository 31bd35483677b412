package dev.amdahl.rabbitmq;

import dev.amdahl.rabbitmq.internal.RabbitSettings;
import dev.amdahl.rabbitmq.internal.RpcResultBackend;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.ResultBackendProvider;
import dev.amdahl.spi.UrlMasking;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;

/**
 * Opens a {@link ResultBackend} over RabbitMQ's direct reply-to for {@code rpc://} and {@code rpcs://} (TLS) URLs, as
 * Celery's {@code rpc://}: each result goes straight back to the process that submitted the task, nothing is stored
 * in between. Found by {@link java.util.ServiceLoader}; applications name the URL and never this class:
 *
 * <pre>{@code
 * Amdahl app = Amdahl.builder()
 *         .broker("amqp://guest:guest@127.0.0.1:5672/")
 *         .resultBackend("rpc://guest:guest@127.0.0.1:5672/")
 *         .build();
 * }</pre>
 *
 * <p>The rest of the URL is the broker's {@code amqp://} (or {@code amqps://}) URL, options included, so the CLI
 * derives it from {@code --broker}; the backend uses {@code timeout} and {@code confirm-batch}, and for
 * {@code rpcs://} {@code ca-file} and {@code verify-peer}. The tasks are published on the backend's channel (RabbitMQ
 * requires it), so a broker and backend of one application name the same host, port, virtual host and user.
 *
 * <p>For callers that submit and wait: results reach only the submitting process, in memory; chords, global rate
 * limits, idempotency keys and schedulers need a shared store ({@code redis://}, {@code postgresql://}) and are
 * refused, naming one. The module's README, "Results over rpc://", says what else differs.
 */
public final class RpcResultBackendProvider implements ResultBackendProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("rpc", "rpcs");
    }

    @Override
    public ResultBackend open(URI uri, ProviderContext context) {
        return new RpcResultBackend(RabbitSettings.parse(asAmqp(uri)), context.clock());
    }

    /** {@code rpc://…} as the {@code amqp://…} URL it names ({@code rpcs://} as {@code amqps://}). */
    static URI asAmqp(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String mapped = switch (scheme) {
            case "rpc" -> "amqp";
            case "rpcs" -> "amqps";
            default -> throw new IllegalArgumentException("not an rpc result backend URL (rpc:// or rpcs://): "
                    + UrlMasking.mask(uri));
        };
        String text = uri.toString();
        try {
            return new URI(mapped + text.substring(text.indexOf(':')));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a usable rpc URL: " + UrlMasking.mask(uri), e);
        }
    }
}
