package dev.amdahl.spi;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A message on its way to a broker: an opaque body plus the few properties a broker acts on.
 *
 * @param id        the message id (the task id for task messages); brokers keep it with the body
 * @param body      the encoded message; the broker stores and returns it byte for byte
 * @param priority  0 (lowest) to 9 (highest); brokers without priorities ignore it
 * @param notBefore the earliest time the message may be delivered, or {@code null} for now
 * @param decoded   what {@code body} decodes to, made by the publisher beside the bytes, for a broker in the publisher's
 *                  own process that {@linkplain Broker#carriesDecoded() carries it} to the consumer, so that the
 *                  consumer need not decode the bytes again; {@code null} for none. Opaque to the broker; brokers that
 *                  move bytes ignore it. It is not part of the message's equality
 */
public record OutboundMessage(String id, byte[] body, int priority, Instant notBefore, Object decoded) {

    /** The highest priority a message can have. */
    public static final int MAX_PRIORITY = 9;

    public OutboundMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(body, "body");
        if (priority < 0 || priority > MAX_PRIORITY) {
            throw new IllegalArgumentException("priority must be between 0 and " + MAX_PRIORITY + ", was " + priority);
        }
    }

    /** A message with nothing {@linkplain #decoded() decoded} beside its bytes: what every broker carries. */
    public OutboundMessage(String id, byte[] body, int priority, Instant notBefore) {
        this(id, body, priority, notBefore, null);
    }

    /** A message for immediate delivery at the default priority 0. */
    public static OutboundMessage of(String id, byte[] body) {
        return new OutboundMessage(id, body, 0, null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OutboundMessage m && id.equals(m.id) && Arrays.equals(body, m.body)
                && priority == m.priority && Objects.equals(notBefore, m.notBefore);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, Arrays.hashCode(body), priority, notBefore);
    }

    @Override
    public String toString() {
        return "OutboundMessage[id=" + id + ", " + body.length + " bytes, priority=" + priority
                + (notBefore == null ? "" : ", notBefore=" + notBefore) + "]";
    }
}
