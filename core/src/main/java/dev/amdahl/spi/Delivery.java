package dev.amdahl.spi;

import java.util.Objects;

/**
 * A message a broker handed to a consumer, which owns it until it calls {@link Broker#ack},
 * {@link Broker#requeue} or {@link Broker#reject} with it.
 *
 * @param queue         the queue it came from
 * @param messageId     the id it was published with
 * @param body          the body, byte for byte as published
 * @param priority      the priority it was published with
 * @param deliveryCount 1 on first delivery, 2 after one redelivery, and so on
 * @param receipt       the broker's own handle for acknowledging it (a stream entry id, a delivery
 *                      tag...); opaque to everyone else
 * @param exhausted     whether this is the delivery past the broker's maximum: not to be processed, only
 *                      reported and {@link Broker#reject rejected} (see the Broker contract, "The last word
 *                      goes to a consumer")
 * @param decoded       what the publisher made beside the body ({@link OutboundMessage#decoded()}), handed back by a
 *                      broker that {@linkplain Broker#carriesDecoded() carries it}, or {@code null}; only the code that
 *                      made it knows what it is, and that code uses it only when it recognises it as its own
 */
public record Delivery(String queue, String messageId, byte[] body, int priority, int deliveryCount, Object receipt,
                       boolean exhausted, Object decoded) {

    public Delivery {
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(body, "body");
        if (deliveryCount < 1) {
            throw new IllegalArgumentException("deliveryCount starts at 1, was " + deliveryCount);
        }
    }

    /** A delivery of the bytes alone: what every broker hands out. */
    public Delivery(String queue, String messageId, byte[] body, int priority, int deliveryCount, Object receipt,
                    boolean exhausted) {
        this(queue, messageId, body, priority, deliveryCount, receipt, exhausted, null);
    }

    /** A delivery within the broker's maximum: one to process. */
    public Delivery(String queue, String messageId, byte[] body, int priority, int deliveryCount, Object receipt) {
        this(queue, messageId, body, priority, deliveryCount, receipt, false);
    }

    /** Whether this message was delivered before (to this or another consumer). */
    public boolean redelivered() {
        return deliveryCount > 1;
    }

    /**
     * From the queue, the message id and the delivery count alone, which equal deliveries share: workers key their maps
     * by delivery, and the record's own hash would walk the carried message's whole argument tree on every lookup.
     */
    @Override
    public int hashCode() {
        return (queue.hashCode() * 31 + messageId.hashCode()) * 31 + deliveryCount;
    }

    @Override
    public String toString() {
        return "Delivery[" + queue + "/" + messageId + ", " + body.length + " bytes, delivery " + deliveryCount + "]";
    }
}
