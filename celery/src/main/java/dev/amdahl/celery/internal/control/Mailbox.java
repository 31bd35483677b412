package dev.amdahl.celery.internal.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.MessageLimits;
import dev.amdahl.celery.internal.protocol.KombuEnvelope;
import dev.amdahl.celery.internal.protocol.KombuJson;
import dev.amdahl.celery.internal.protocol.MalformedCeleryMessageException;
import dev.amdahl.celery.internal.protocol.WireMessage;
import dev.amdahl.observe.TaskEvent;
import dev.amdahl.observe.TaskOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker's process mailbox and event dispatcher, whatever carries them ({@link RedisMailbox},
 * {@link AmqpMailbox}).
 *
 * <ul>
 *   <li>Control: Celery's mailbox is the fanout exchange {@code celery.pidbox}; each message is
 *       {@code {method, arguments, destination, pattern, matcher, ticket?, reply_to?: {exchange, routing_key}}}. A
 *       call is answered {@code {<hostname>: reply}} on the direct exchange {@code reply.celery.pidbox} with the
 *       caller's routing key, headers {@code ticket} and {@code clock}. A reply to any other exchange is refused: the
 *       message names it, and a worker must not be made to write into an exchange of the sender's choosing.</li>
 *   <li>Events: {@code worker-online}, then a {@code worker-heartbeat} every two seconds, the task events, and
 *       {@code worker-offline} on close, each with its routing key ({@code worker.heartbeat}, {@code task.succeeded})
 *       on {@code celeryev}.</li>
 * </ul>
 *
 * Everything runs on the mailbox's one thread: control messages, events handed over by the worker's threads,
 * heartbeats. At most {@link #MAX_PENDING} pieces of work wait; past that, task events are dropped (and counted in the
 * log), so a broker that is slow or away never holds a worker up. Control messages are untrusted: a message that is
 * not a kombu envelope with a JSON object body of the right shape is logged and dropped unanswered.
 */
abstract class Mailbox implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Mailbox.class);
    static final int MAX_PENDING = 10_000;
    /** A control message is a few hundred bytes; anything much bigger is refused before it is parsed. */
    private static final int MAX_CONTROL_BYTES = 1024 * 1024;
    static final String PIDBOX = "celery.pidbox";
    static final String REPLIES = "reply.celery.pidbox";
    static final String EVENTS = "celeryev";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    final CeleryWorkerNode node;
    private final ScheduledThreadPoolExecutor thread;
    private final KombuEnvelope envelopes = KombuEnvelope.of(MessageLimits.ofDefaults());
    private final KombuJson json = KombuJson.of(MessageLimits.ofDefaults());
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();

    Mailbox(CeleryWorkerNode node) {
        this.node = node;
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "amdahl-celery-mailbox-" + node.hostname());
            t.setDaemon(true);
            return t;
        });
        thread.setRemoveOnCancelPolicy(true);
    }

    /** Sends {@code worker-online} and starts the heartbeats; the transport listens for control messages already. */
    final void start() {
        submit(() -> publish(node.workerEvent("worker-online")), true);
        long every = CeleryWorkerNode.HEARTBEAT.toMillis();
        thread.scheduleAtFixedRate(() -> publish(node.workerEvent("worker-heartbeat")), every, every,
                TimeUnit.MILLISECONDS);
    }

    /** A control message as a kombu envelope, from the transport's thread: handled on the mailbox's. */
    final void heard(byte[] envelope) {
        submit(() -> control(envelope), true);
    }

    /** Publishes an event (a kombu envelope's parts) with {@code routingKey} on {@link #EVENTS}. */
    abstract void sendEvent(String routingKey, WireMessage event);

    /** Sends a control reply with {@code routingKey} on {@link #REPLIES}. */
    abstract void sendReply(String routingKey, WireMessage reply);

    /** Lets go of the transport; the mailbox's thread has stopped. */
    abstract void release();

    void received(TaskEvent task) {
        ObjectNode e = node.received(task);
        if (e != null) {
            submit(() -> publish(e), false);
        }
    }

    void started(TaskEvent task) {
        ObjectNode e = node.started(task);
        submit(() -> publish(e), false);
    }

    void finished(TaskEvent task, TaskOutcome outcome, Duration runTime) {
        node.finished(task);
        if (outcome == TaskOutcome.SUCCESS || outcome == TaskOutcome.FAILURE) {
            try {
                node.whenStored(task, record -> submit(() -> publish(node.finishedEvent(task, outcome, runTime,
                        java.util.Optional.of(record))), false));
            } catch (RuntimeException e) {
                log.debug("no {} event for {}: {}", outcome.label(), task.taskId(), e.toString());
            }
            return;
        }
        submit(() -> {
            ObjectNode e = node.finishedEvent(task, outcome, runTime);
            if (e != null) {
                publish(e);
            }
        }, false);
    }

    private void submit(Runnable work, boolean always) {
        if (closed.get()) {
            return;
        }
        if (!always && pending.get() >= MAX_PENDING) {
            if (dropped.getAndIncrement() % 1000 == 0) {
                log.warn("Celery events of worker {} are being dropped ({} so far): {} wait to be published to Redis",
                        node.hostname(), dropped.get(), MAX_PENDING);
            }
            return;
        }
        pending.incrementAndGet();
        try {
            thread.execute(() -> {
                pending.decrementAndGet();
                try {
                    work.run();
                } catch (RuntimeException e) {
                    log.warn("Celery mailbox of worker {}: {}", node.hostname(), e.toString());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            pending.decrementAndGet();   // closing
        }
    }

    // ---------------------------------------------------------------- events

    private void publish(ObjectNode event) {
        String type = event.get("type").textValue();
        String routingKey = type.replace('-', '.');
        ObjectNode headers = NODES.objectNode().put("hostname", node.hostname());
        ObjectNode props = NODES.objectNode();
        props.putObject("delivery_info").put("exchange", EVENTS).put("routing_key", routingKey);
        props.put("delivery_mode", 1);
        props.put("priority", 0);
        sendEvent(routingKey, new WireMessage(headers, props, "application/json", "utf-8", KombuJson.bytes(event)));
    }

    // ---------------------------------------------------------------- control

    private void control(byte[] data) {
        if (data.length > MAX_CONTROL_BYTES) {
            log.warn("dropped a Celery control message of {} bytes (at most {}) for worker {}", data.length,
                    MAX_CONTROL_BYTES, node.hostname());
            return;
        }
        Command command;
        try {
            command = Command.read(envelopes.read(data), json);
        } catch (MalformedCeleryMessageException e) {
            log.warn("dropped a malformed Celery control message for worker {}: {}", node.hostname(), e.getMessage());
            return;
        }
        if (command.clock() > 0) {
            node.adjustClock(command.clock());
        }
        if (!command.isFor(node.hostname())) {
            return;
        }
        JsonNode reply = node.command(command.method(), command.arguments());
        log.debug("Celery control {} for worker {}", command.method(), node.hostname());
        if (command.replyExchange() != null) {
            reply(command, reply);
        }
    }

    private void reply(Command command, JsonNode reply) {
        if (!REPLIES.equals(command.replyExchange())) {
            log.warn("a Celery control message for worker {} asks for its reply on exchange '{}', not {}: not answered",
                    node.hostname(), command.replyExchange(), REPLIES);
            return;
        }
        ObjectNode body = NODES.objectNode();
        body.set(node.hostname(), reply);
        ObjectNode headers = NODES.objectNode();
        headers.put("ticket", command.ticket());
        headers.put("clock", node.forwardClock());
        ObjectNode props = NODES.objectNode();
        props.putObject("delivery_info").put("exchange", command.replyExchange()).put("routing_key", command.replyKey());
        props.put("delivery_mode", 1);
        props.put("priority", 0);
        sendReply(command.replyKey(), new WireMessage(headers, props, "application/json", "utf-8", KombuJson.bytes(body)));
    }

    /** A control message's body, read strictly: kombu's {@code Mailbox._publish}. */
    private record Command(String method, JsonNode arguments, List<String> destination, String pattern, String matcher,
                           String ticket, String replyExchange, String replyKey, long clock) {

        static Command read(WireMessage m, KombuJson json) {
            if (m.contentType() != null && !m.contentType().equals("application/json")) {
                throw new MalformedCeleryMessageException(null, "the control message's content type is " + m.contentType()
                        + "; only application/json is read");
            }
            JsonNode b = json.parse(m.body(), "the control message", null);
            if (!b.isObject()) {
                throw new MalformedCeleryMessageException(null, "the control message's body is not a JSON object");
            }
            JsonNode method = b.get("method");
            if (method == null || !method.isTextual() || method.textValue().isEmpty() || method.textValue().length() > 200) {
                throw new MalformedCeleryMessageException(null, "the control message has no \"method\" name");
            }
            JsonNode args = b.get("arguments");
            if (args != null && !args.isNull() && !args.isObject()) {
                throw new MalformedCeleryMessageException(null, "the control message's \"arguments\" must be an object");
            }
            List<String> destination = null;
            JsonNode dest = b.get("destination");
            if (dest != null && !dest.isNull()) {
                if (!dest.isArray()) {
                    throw new MalformedCeleryMessageException(null, "the control message's \"destination\" must be a list");
                }
                destination = new ArrayList<>();
                for (JsonNode d : dest) {
                    destination.add(d.asText());
                }
            }
            String replyExchange = null;
            String replyKey = null;
            JsonNode replyTo = b.get("reply_to");
            if (replyTo != null && !replyTo.isNull()) {
                JsonNode ex = replyTo.get("exchange");
                JsonNode key = replyTo.get("routing_key");
                if (!replyTo.isObject() || ex == null || !ex.isTextual() || key == null || !key.isTextual()) {
                    throw new MalformedCeleryMessageException(null, "the control message's \"reply_to\" must be"
                            + " {exchange, routing_key}");
                }
                replyExchange = ex.textValue();
                replyKey = key.textValue();
            }
            JsonNode clock = m.headers().get("clock");
            return new Command(method.textValue(), args == null || args.isNull() ? NODES.objectNode() : args, destination,
                    text(b.get("pattern")), text(b.get("matcher")), text(b.get("ticket")), replyExchange, replyKey,
                    clock != null && clock.canConvertToLong() ? clock.longValue() : 0);
        }

        private static String text(JsonNode v) {
            return v == null || v.isNull() ? null : v.asText();
        }

        /** kombu's {@code Node.handle_message}: a destination list, else a pattern by its matcher, else everyone. */
        boolean isFor(String hostname) {
            if (destination != null && !destination.isEmpty()) {
                return destination.contains(hostname);
            }
            if (pattern != null && matcher != null) {
                return switch (matcher) {
                    case "glob" -> Pattern.compile(glob(pattern)).matcher(hostname).matches();
                    case "pcre" -> Pattern.compile(pattern).matcher(hostname).lookingAt();
                    default -> false;
                };
            }
            return true;
        }

        private static String glob(String pattern) {
            StringBuilder re = new StringBuilder();
            for (char c : pattern.toCharArray()) {
                switch (c) {
                    case '*' -> re.append(".*");
                    case '?' -> re.append('.');
                    default -> re.append(Pattern.quote(String.valueOf(c)));
                }
            }
            return re.toString();
        }
    }

    /** Sends {@code worker-offline} and lets go of the transport. */
    @Override
    public final void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread.shutdownNow();
        try {
            publish(node.workerEvent("worker-offline"));
        } catch (RuntimeException e) {
            log.debug("worker-offline of {} not sent: {}", node.hostname(), e.toString());
        }
        release();
    }
}
