package dev.amdahl.celery;

import dev.amdahl.Amdahl;
import dev.amdahl.MessageLimits;
import dev.amdahl.celery.internal.amqp.CeleryAmqpBroker;
import dev.amdahl.celery.internal.amqp.CeleryAmqpSettings;
import dev.amdahl.celery.internal.amqp.CeleryRpcBackend;
import dev.amdahl.celery.internal.canvas.CeleryCanvas;
import dev.amdahl.celery.internal.canvas.ChordCounts;
import dev.amdahl.celery.internal.control.RecentEnvelopes;
import dev.amdahl.celery.internal.control.CeleryMonitor;
import dev.amdahl.celery.internal.protocol.TaskEnvelopes;
import dev.amdahl.celery.internal.redis.CeleryRedisBackend;
import dev.amdahl.celery.internal.redis.KombuRedisBroker;
import dev.amdahl.celery.internal.redis.KombuRedisSettings;
import dev.amdahl.observe.TaskObserver;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskEnvelope;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.spi.UrlOptions;
import dev.amdahl.spi.WireProtocol;
import java.lang.reflect.Type;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Celery's task protocol 2 on kombu's Redis layout, so that an Amdahl application's clients and workers share queues
 * (default {@code celery}) and results with Python Celery's.
 *
 * <pre>{@code
 * Amdahl app = Amdahl.builder().wireProtocol("celery").broker("redis://127.0.0.1:6379/0").build();
 * }</pre>
 *
 * With {@code redis://} (or {@code rediss://}) the broker is kombu's Redis transport ({@code ?visibility-timeout=3600s},
 * Celery's default, {@code &max-deliveries=N}) and the result backend Celery's Redis backend. A worker on those runs the
 * Celery canvas its messages carry (callbacks, chains, chords). With {@code amqp://} (or {@code amqps://}) the broker is Celery's RabbitMQ layout
 * ({@link CeleryAmqpBroker}: queue and direct exchange named alike, {@code ?max-deliveries=N}) and the results go where
 * {@code resultBackend(...)} says: Celery's Redis backend keys ({@code redis://…}) or Celery's {@code rpc://} replies
 * ({@link CeleryRpcBackend}). On either, a worker answers Celery's remote control ({@code celery inspect ping}) and
 * sends Celery's events.
 * One instance serves one application: what it opened is where the canvas is sent
 * and counted. See the module's README.
 */
public final class CeleryProtocol implements WireProtocol {

    /** The queue Celery's clients and workers use unless routed otherwise. */
    public static final String DEFAULT_QUEUE = "celery";

    /** What this protocol opened for its application; the canvas runs only on those. */
    private volatile Broker broker;
    private volatile ResultBackend backend;
    private volatile CeleryRpcBackend rpc;
    private volatile CeleryCanvas canvas;
    private volatile MessageLimits limits = MessageLimits.ofDefaults();
    private volatile ProviderContext context;
    /** What the workers' events and {@code inspect active} show of the tasks they hold. */
    private final RecentEnvelopes recent = new RecentEnvelopes(4096);

    @Override
    public String name() {
        return "celery";
    }

    @Override
    public OutboundMessage encode(TaskEnvelope message, int priority, MessageLimits limits) {
        CeleryRpcBackend replies = rpc;
        return replies == null ? TaskEnvelopes.encode(message, priority, limits)
                : TaskEnvelopes.encode(message, priority, limits, replies.replyQueueFor(message.id()));
    }

    @Override
    public TaskEnvelope decode(Delivery delivery, MessageLimits limits, Function<String, Type> argumentTypes) {
        this.limits = limits;
        CeleryRpcBackend replies = rpc;
        TaskEnvelope decoded = replies == null ? TaskEnvelopes.decode(delivery, limits, argumentTypes, canvas() != null)
                : TaskEnvelopes.decode(delivery, limits, argumentTypes, canvas() != null,
                        (id, p) -> replies.delivered(id, p.replyTo(), p.correlationId()));
        recent.decoded(decoded);
        return decoded;
    }

    /** Celery's remote control and events for the application's workers, over Redis or RabbitMQ. */
    @Override
    public List<TaskObserver> workerObservers(URI brokerUri, Amdahl app) {
        if (isRedis(brokerUri)) {
            return List.of(CeleryMonitor.onRedis(KombuRedisSettings.parse(brokerUri), app, recent, Clock.systemDefaultZone()));
        }
        if (CeleryAmqpSettings.isAmqp(brokerUri)) {
            return List.of(CeleryMonitor.onRabbitMq(CeleryAmqpSettings.parse(brokerUri), app, recent, Clock.systemDefaultZone()));
        }
        return List.of();
    }

    @Override
    public Optional<Broker> openBroker(URI uri, ProviderContext context) {
        Broker b;
        if (isRedis(uri)) {
            b = KombuRedisBroker.open(uri, context);
        } else if (CeleryAmqpSettings.isAmqp(uri)) {
            b = CeleryAmqpBroker.open(uri, context);
        } else {
            return Optional.empty();
        }
        this.broker = b;
        this.context = context;
        return Optional.of(b);
    }

    @Override
    public Optional<ResultBackend> openResultBackend(URI uri, ProviderContext context) {
        if ("rpc".equals(uri.getScheme())) {
            if (!(broker instanceof CeleryAmqpBroker amqp)) {
                throw new IllegalArgumentException("the rpc:// result backend sends results over the RabbitMQ broker, and"
                        + " this application's broker is not one: use an amqp:// broker with it, or a redis:// result backend");
            }
            UrlOptions options = UrlOptions.parse(uri, "Celery rpc", Set.of("result-expires"));
            Duration expires = options.duration("result-expires", Duration.ofDays(1), Duration.ofSeconds(1));
            CeleryRpcBackend b = CeleryRpcBackend.beside(amqp, expires, context.clock());
            this.rpc = b;
            this.backend = b;
            return Optional.of(b);
        }
        if (!isRedis(uri)) {
            return Optional.empty();
        }
        CeleryRedisBackend b = CeleryRedisBackend.open(uri, context);
        this.backend = b;
        return Optional.of(b);
    }

    @Override
    public Optional<String> defaultQueue() {
        return Optional.of(DEFAULT_QUEUE);
    }

    /**
     * Runs the Celery canvas a message came with (callbacks, the next chain step, errbacks, its chord's count), as
     * Celery's worker and Redis backend do after a task; see {@link CeleryCanvas}.
     */
    @Override
    public void afterFinal(TaskEnvelope message, TaskRecord record) {
        CeleryCanvas c = canvas();
        if (c != null) {
            c.afterFinal(message, record, limits);
        }
    }

    private CeleryCanvas canvas() {
        CeleryCanvas c = canvas;
        if (c == null && broker != null && backend != null) {
            c = new CeleryCanvas(broker, backend, backend instanceof ChordCounts counts ? counts : null, context.clock());
            canvas = c;
        }
        return c;
    }

    private static boolean isRedis(URI uri) {
        return "redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme());
    }
}
