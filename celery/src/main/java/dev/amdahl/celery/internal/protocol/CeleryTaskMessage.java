package dev.amdahl.celery.internal.protocol;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Objects;

/**
 * A Celery task message, decoded: what protocol 2 keeps in the headers, the properties and the body
 * {@code [args, kwargs, embed]}. A protocol 1 message decodes to the same record, as Celery's worker converts it.
 *
 * @param protocol   1 or 2, as it came; messages are always written in protocol 2
 * @param headers    the task's metadata
 * @param properties what kombu keeps beside it
 * @param body       the arguments and what follows the task
 */
public record CeleryTaskMessage(int protocol, Headers headers, Properties properties, Body body) {

    public CeleryTaskMessage {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(properties, "properties");
        Objects.requireNonNull(body, "body");
    }

    public String id() {
        return headers.id();
    }

    public String task() {
        return headers.task();
    }

    /**
     * A new protocol 2 message for {@code task}, with Celery's defaults: its own root, no parent, group, ETA,
     * expiry or time limits, priority 0, no callbacks.
     */
    public static CeleryTaskMessage newTask(String id, String task, ArrayNode args, ObjectNode kwargs, String queue) {
        return new CeleryTaskMessage(2,
                new Headers("java", task, id, id, null, null, null, null, null, 0, null, null, null, null, null, null, false,
                        JsonNodeFactory.instance.objectNode()),
                new Properties(id, null, 0, "", queue, null, null),
                new Body(args, kwargs, List.of(), List.of(), List.of(), null));
    }

    /**
     * Protocol 2's headers.
     *
     * @param lang          the language of the sender ({@code py}; this module writes {@code java})
     * @param task          the task name
     * @param id            the task id
     * @param rootId        the id of the first task of the workflow this one belongs to
     * @param parentId      the id of the task that sent this one, or {@code null}
     * @param group         the group (or chord header) this task belongs to, or {@code null}
     * @param groupIndex    its place in that group, or {@code null}
     * @param eta           not before this time, or {@code null}
     * @param expires       not after this time, or {@code null}
     * @param retries       how many times it was retried before this message
     * @param hardTimeLimit {@code timelimit[0]}: when it is killed, or {@code null}
     * @param softTimeLimit {@code timelimit[1]}: when it is told to stop, or {@code null}
     * @param argsrepr      the sender's display of the arguments, or {@code null}
     * @param kwargsrepr    the sender's display of the keyword arguments, or {@code null}
     * @param origin        the sender's node name, or {@code null}
     * @param shadow        the name to show instead of {@code task}, or {@code null}
     * @param ignoreResult  whether no result is to be stored
     * @param extra         the headers this codec does not read (kombu's {@code stamps}...), carried as they came
     */
    public record Headers(String lang, String task, String id, String rootId, String parentId, String group, Integer groupIndex,
                          OffsetDateTime eta, OffsetDateTime expires, int retries, Duration hardTimeLimit,
                          Duration softTimeLimit, String argsrepr, String kwargsrepr, String origin, String shadow,
                          boolean ignoreResult, ObjectNode extra) {

        public Headers {
            Objects.requireNonNull(task, "task");
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(extra, "extra");
        }

        public Headers withTiming(OffsetDateTime eta, OffsetDateTime expires, Duration hard, Duration soft) {
            return new Headers(lang, task, id, rootId, parentId, group, groupIndex, eta, expires, retries, hard, soft, argsrepr,
                    kwargsrepr, origin, shadow, ignoreResult, extra);
        }

        public Headers withWorkflow(String rootId, String parentId, String group, Integer groupIndex) {
            return new Headers(lang, task, id, rootId, parentId, group, groupIndex, eta, expires, retries, hardTimeLimit,
                    softTimeLimit, argsrepr, kwargsrepr, origin, shadow, ignoreResult, extra);
        }
    }

    /**
     * What kombu keeps beside the headers.
     *
     * @param correlationId the task id again (results sent by rpc carry it back)
     * @param replyTo       the queue of the sender's rpc replies, or {@code null}
     * @param priority      0 to 255 (kombu's Redis transport uses 0 to 9)
     * @param exchange      {@code delivery_info.exchange}, {@code ""} for the default exchange
     * @param routingKey    {@code delivery_info.routing_key}: the queue, for Celery's default routing
     * @param deliveryTag   the transport's tag ({@code properties.delivery_tag} over Redis), or {@code null}
     * @param expirationMillis the message's time to live in milliseconds, which {@code send_task} sets from
     *                      {@code expires} (RabbitMQ drops the message after it; kombu's Redis transport ignores it),
     *                      or {@code null}
     */
    public record Properties(String correlationId, String replyTo, int priority, String exchange, String routingKey,
                             String deliveryTag, Long expirationMillis) {

        public Properties withPriority(int priority) {
            return new Properties(correlationId, replyTo, priority, exchange, routingKey, deliveryTag, expirationMillis);
        }

        public Properties withReplyTo(String replyTo) {
            return new Properties(correlationId, replyTo, priority, exchange, routingKey, deliveryTag, expirationMillis);
        }

        public Properties withExpirationMillis(Long expirationMillis) {
            return new Properties(correlationId, replyTo, priority, exchange, routingKey, deliveryTag, expirationMillis);
        }
    }

    /**
     * The body {@code [args, kwargs, embed]}.
     *
     * @param args      the positional arguments, as they came (kombu typed values included; see {@link KombuJson#plain})
     * @param kwargs    the keyword arguments, as they came
     * @param callbacks run with the result on success ({@code link})
     * @param errbacks  run on failure ({@code link_error})
     * @param chain     the steps of the chain after this task, <em>in the order they run</em>; the wire keeps them
     *                  reversed (the next task is the last element), which the codec undoes and redoes
     * @param chord     the chord's callback when this task is in a chord's header, or {@code null}
     */
    public record Body(ArrayNode args, ObjectNode kwargs, List<CelerySignature> callbacks, List<CelerySignature> errbacks,
                       List<CelerySignature> chain, CelerySignature chord) {

        public Body {
            Objects.requireNonNull(args, "args");
            Objects.requireNonNull(kwargs, "kwargs");
            callbacks = List.copyOf(callbacks);
            errbacks = List.copyOf(errbacks);
            chain = List.copyOf(chain);
        }

        public Body withWorkflow(List<CelerySignature> callbacks, List<CelerySignature> errbacks, List<CelerySignature> chain,
                                 CelerySignature chord) {
            return new Body(args, kwargs, callbacks, errbacks, chain, chord);
        }
    }
}
