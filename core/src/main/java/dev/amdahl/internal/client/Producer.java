package dev.amdahl.internal.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.SubmitOptions;
import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.internal.observe.Observers;
import dev.amdahl.internal.task.RegisteredTask;
import dev.amdahl.internal.wire.ByReference;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.internal.wire.Wire;
import dev.amdahl.internal.workflow.Canvas;
import dev.amdahl.internal.workflow.StepOptions;
import dev.amdahl.observe.TaskEvent;
import dev.amdahl.observe.TaskObserver;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.PublishRedirect;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds task messages and publishes them, one {@code publishAll} per queue, to the broker or to this thread's
 * {@link PublishRedirect}; in eager mode hands them to the {@link EagerRunner} instead.
 */
final class Producer {

    private final Broker broker;
    private final Clock clock;
    /** Encodes each message, refusing what a worker with the same limits would refuse, so that fails the submit. */
    private final Wire wire;
    /** Runs messages here instead of publishing them; {@code null} unless in eager mode. */
    private final EagerRunner eager;
    /** Told of each publish; the trace context one of them gives travels in the messages. */
    private final Observers observers;
    /** Stores large arguments once and publishes a handle; {@code null} where the wire cannot carry handles. */
    private final ByReference references;
    /**
     * Whether the broker hands the message read back from its bytes to the worker ({@link Broker#carriesDecoded()}, the
     * embedded one): the check every submit makes reads the bytes anyway, and keeping what it reads spares the worker
     * decoding them again.
     */
    private final boolean carry;
    /**
     * The most messages of one batch that carry their decoded form: no more than the embedded broker keeps, since a
     * carried form holds its message alive beside its bytes until the batch is published (a map of a million would
     * otherwise hold every message twice, past a 512 MiB heap).
     */
    private static final int MAX_CARRIED = MemoryBroker.MAX_CARRIED;

    Producer(Broker broker, Clock clock, Wire wire, EagerRunner eager, Observers observers, ByReference references) {
        this.broker = broker;
        this.references = references;
        this.observers = observers;
        this.wire = wire;
        this.clock = clock;
        this.eager = eager;
        this.carry = broker.carriesDecoded();
    }

    boolean eager() {
        return eager != null;
    }

    /** A message with the options that travel: ETA, expiry, retries, time limits. */
    static TaskMessage message(String id, RegisteredTask<?, ?> task, JsonNode args, boolean chunk, String groupId,
                               SubmitOptions options, Instant now) {
        return TaskMessage.of(id, task.name(), args, chunk, groupId, null, options, now);
    }

    /**
     * What a publish moved: the bytes of the messages published and of the arguments stored by reference.
     *
     * @param published the bodies' bytes, as the broker carries them
     * @param stored    the arguments' bytes stored once in the result backend, for messages over the threshold
     */
    record Moved(long published, long stored) {
        static final Moved NOTHING = new Moved(0, 0);
    }

    /**
     * Publishes {@code messages} to {@code queue} with the options' priority (or runs them, in eager mode); what is
     * over the by-reference threshold has its arguments stored first and travels as a handle. Outside eager mode a
     * mutable list is emptied as its messages are encoded, so a map of a million does not hold every message beside
     * its bytes: the caller must not read it afterwards.
     */
    Moved send(String queue, List<TaskMessage> messages, SubmitOptions options) {
        // no events made for no observer: a map of a million would hold a million of them while it encodes
        TaskObserver.Publication publication = eager != null ? null
                : observers.publishing(queue, observers.isEmpty() ? List.of() : events(queue, messages));
        if (publication != null && publication.context() != null) {
            messages = messages.stream().map(m -> m.withTrace(publication.context())).toList();
        }
        int priority = options.priority().orElse(0);
        if (messages.size() == 1 && eager == null) {
            return sendOne(queue, messages.get(0), priority, publication);
        }
        // all encoded before any is published: a map either goes out whole or not at all
        List<OutboundMessage> out = new ArrayList<>(messages.size());
        long[] moved = new long[2];
        boolean release = eager == null && messages instanceof ArrayList<?>;
        try {
            for (int i = 0; i < messages.size(); i++) {
                out.add(encode(messages.get(i), priority, moved, i < MAX_CARRIED));
                if (release) {
                    messages.set(i, null);
                }
            }
        } catch (RuntimeException refused) {
            if (publication != null) {
                publication.failed(refused);
            }
            throw refused;
        }
        if (eager != null) {
            messages.forEach(eager::run);
            return Moved.NOTHING;
        }
        publish(queue, out, publication);
        return new Moved(moved[0], moved[1]);
    }

    /** {@link #send} of one message, without the lists a batch needs: the common submit. */
    private Moved sendOne(String queue, TaskMessage m, int priority, TaskObserver.Publication publication) {
        long[] moved = new long[2];
        OutboundMessage out;
        try {
            out = encode(m, priority, moved, true);
        } catch (RuntimeException refused) {
            publication.failed(refused);
            throw refused;
        }
        publish(queue, List.of(out), publication);
        return new Moved(moved[0], moved[1]);
    }

    /**
     * {@code m} encoded (refused over the message limits, as by value), by reference when it is over the threshold: the
     * arguments are stored once and the handle is what travels. Adds the bytes published and stored to {@code moved}.
     */
    private OutboundMessage encode(TaskMessage m, int priority, long[] moved, boolean carryThis) {
        OutboundMessage out = wire.encode(m, priority, carry && carryThis && eager == null);
        if (references != null && eager == null && references.over(out.body().length)) {
            ByReference.Offloaded offloaded = references.offload(m);
            out = wire.encode(offloaded.message(), priority, carry);
            moved[1] += offloaded.stored();
        }
        moved[0] += out.body().length;
        return out;
    }

    private static List<TaskEvent> events(String queue, List<TaskMessage> messages) {
        List<TaskEvent> events = new ArrayList<>(messages.size());
        for (TaskMessage m : messages) {
            events.add(new TaskEvent(m.task(), m.id(), queue, m.retries(), 0, null, m.trace(), null));
        }
        return events;
    }

    /** The publisher that takes this thread's submissions instead of the broker, or {@code null}. */
    PublishRedirect.Publisher redirect() {
        return PublishRedirect.current(broker).orElse(null);
    }

    private void publish(String queue, List<OutboundMessage> out, TaskObserver.Publication publication) {
        PublishRedirect.Publisher redirect = redirect();
        try {
            if (redirect != null) {
                redirect.publishAll(queue, out);
            } else {
                broker.publishAll(queue, out);
            }
        } catch (RuntimeException e) {
            publication.failed(e);
            throw e;
        }
        publication.published();
    }

    /** Publishes a compiled workflow's first steps, each with its own options, grouped by queue. */
    Moved publishHeads(Canvas.Compiled workflow) {
        Map<String, List<StepOptions.Step>> byQueue = new LinkedHashMap<>();
        Instant now = clock.instant();
        for (ObjectNode head : workflow.heads()) {
            JsonNode wf = head.get("workflow");
            byQueue.computeIfAbsent(head.get("queue").asText(), q -> new ArrayList<>()).add(StepOptions.read(head,
                    head.get("id").asText(), head.get("task").asText(), head.get("args"), wf != null && wf.isObject() ? wf : null, now));
        }
        long published = 0;
        long stored = 0;
        for (Map.Entry<String, List<StepOptions.Step>> e : byQueue.entrySet()) {
            Moved m = sendSteps(e.getKey(), e.getValue());
            published += m.published();
            stored += m.stored();
        }
        return new Moved(published, stored);
    }

    private Moved sendSteps(String queue, List<StepOptions.Step> steps) {
        TaskObserver.Publication publication = null;
        if (eager == null) {
            publication = observers.publishing(queue, observers.isEmpty() ? List.of()
                    : events(queue, steps.stream().map(StepOptions.Step::message).toList()));
            if (publication.context() != null) {
                TaskObserver.Publication p = publication;
                steps = steps.stream().map(s -> new StepOptions.Step(s.message().withTrace(p.context()), s.priority())).toList();
            }
        }
        List<OutboundMessage> out = new ArrayList<>(steps.size());
        long[] moved = new long[2];
        try {
            for (StepOptions.Step s : steps) {
                out.add(encode(s.message(), s.priority(), moved, out.size() < MAX_CARRIED));
            }
        } catch (RuntimeException refused) {
            if (publication != null) {
                publication.failed(refused);
            }
            throw refused;
        }
        if (eager != null) {
            steps.forEach(s -> eager.run(s.message()));
            return Moved.NOTHING;
        }
        publish(queue, out, publication);
        return new Moved(moved[0], moved[1]);
    }
}
