package dev.amdahl.internal.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.SubmitOptions;
import dev.amdahl.internal.task.RegisteredTask;
import dev.amdahl.internal.wire.MessageCodec;
import dev.amdahl.internal.wire.MessageSigner;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.internal.workflow.Canvas;
import dev.amdahl.internal.workflow.StepOptions;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.OutboundMessage;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds task messages and publishes them, one {@code publishAll} per queue; in eager mode hands them to the
 * {@link EagerRunner} instead.
 */
final class Producer {

    private final Broker broker;
    private final Clock clock;
    /** Checks each message against the limits a worker reads with, so what a worker would refuse fails the submit. */
    private final MessageCodec codec;
    private final MessageSigner signer;
    /** Runs messages here instead of publishing them; {@code null} unless in eager mode. */
    private final EagerRunner eager;

    Producer(Broker broker, Clock clock, MessageCodec codec, MessageSigner signer, EagerRunner eager) {
        this.broker = broker;
        this.codec = codec;
        this.clock = clock;
        this.signer = signer;
        this.eager = eager;
    }

    boolean eager() {
        return eager != null;
    }

    /** A message with the options that travel: ETA, expiry, retries, time limits. */
    static TaskMessage message(String id, RegisteredTask<?, ?> task, JsonNode args, boolean chunk, String groupId,
                               SubmitOptions options, Instant now) {
        return TaskMessage.of(id, task.name(), args, chunk, groupId, null, options, now);
    }

    /** Publishes {@code messages} to {@code queue} with the options' priority (or runs them, in eager mode). */
    void send(String queue, List<TaskMessage> messages, SubmitOptions options) {
        // all checked before any is published: a map either goes out whole or not at all
        List<byte[]> bodies = new ArrayList<>(messages.size());
        for (TaskMessage m : messages) {
            bodies.add(codec.encodeChecked(m));
        }
        if (eager != null) {
            messages.forEach(eager::run);
            return;
        }
        int priority = options.priority().orElse(0);
        List<OutboundMessage> out = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            TaskMessage m = messages.get(i);
            out.add(new OutboundMessage(m.id(), signer.sign(bodies.get(i)), priority, m.eta()));
        }
        broker.publishAll(queue, out);
    }

    /** Publishes a compiled workflow's first steps, each with its own options, grouped by queue. */
    void publishHeads(Canvas.Compiled workflow) {
        Map<String, List<StepOptions.Step>> byQueue = new LinkedHashMap<>();
        Instant now = clock.instant();
        for (ObjectNode head : workflow.heads()) {
            JsonNode wf = head.get("workflow");
            byQueue.computeIfAbsent(head.get("queue").asText(), q -> new ArrayList<>()).add(StepOptions.read(head,
                    head.get("id").asText(), head.get("task").asText(), head.get("args"), wf != null && wf.isObject() ? wf : null, now));
        }
        byQueue.forEach(this::sendSteps);
    }

    private void sendSteps(String queue, List<StepOptions.Step> steps) {
        List<byte[]> bodies = new ArrayList<>(steps.size());
        for (StepOptions.Step s : steps) {
            bodies.add(codec.encodeChecked(s.message()));
        }
        if (eager != null) {
            steps.forEach(s -> eager.run(s.message()));
            return;
        }
        List<OutboundMessage> out = new ArrayList<>(steps.size());
        for (int i = 0; i < steps.size(); i++) {
            StepOptions.Step s = steps.get(i);
            out.add(new OutboundMessage(s.message().id(), signer.sign(bodies.get(i)), s.priority(), s.message().eta()));
        }
        broker.publishAll(queue, out);
    }
}
