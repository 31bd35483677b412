package dev.amdahl.celery.internal.redis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.ForwardingBroker;
import dev.amdahl.spi.OutboundMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The contract kit's arbitrary bodies, each in a kombu envelope on the way in (its id in the {@code id} header, its
 * {@code notBefore} in the {@code eta} header, as Celery's protocol writes them) and out of it on the way back, so the
 * kit checks kombu's layout byte for byte.
 */
public final class KitEnvelopes extends ForwardingBroker {

    private static final ObjectMapper JSON = new ObjectMapper();

    public KitEnvelopes(Broker kombu) {
        super(kombu);
    }

    /** The broker under the envelopes. */
    public Broker transport() {
        return delegate();
    }

    static byte[] wrap(OutboundMessage m) {
        ObjectNode e = JSON.createObjectNode();
        e.put("body", Base64.getEncoder().encodeToString(m.body()));
        e.put("content-encoding", "binary");
        e.put("content-type", "application/octet-stream");
        ObjectNode headers = e.putObject("headers");
        headers.put("id", m.id());
        headers.put("eta", m.notBefore() == null ? null : m.notBefore().toString());
        e.putObject("properties").put("body_encoding", "base64");
        try {
            return JSON.writeValueAsBytes(e);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    static byte[] unwrap(byte[] entry) {
        try {
            JsonNode e = JSON.readTree(entry);
            return Base64.getDecoder().decode(e.get("body").asText());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static OutboundMessage wrapped(OutboundMessage m) {
        return new OutboundMessage(m.id(), wrap(m), m.priority(), m.notBefore());
    }

    private static Delivery inner(Delivery d) {
        return (Delivery) d.receipt();
    }

    @Override
    public void publish(String queue, OutboundMessage message) {
        delegate().publish(queue, wrapped(message));
    }

    @Override
    public void publishAll(String queue, List<OutboundMessage> messages) {
        delegate().publishAll(queue, messages.stream().map(KitEnvelopes::wrapped).toList());
    }

    @Override
    public List<Delivery> poll(List<String> queues, int max, Duration timeout) throws InterruptedException {
        List<Delivery> out = new ArrayList<>();
        for (Delivery d : delegate().poll(queues, max, timeout)) {
            out.add(new Delivery(d.queue(), d.messageId(), unwrap(d.body()), d.priority(), d.deliveryCount(), d, d.exhausted()));
        }
        return out;
    }

    @Override
    public void ack(Delivery delivery) {
        delegate().ack(inner(delivery));
    }

    @Override
    public void ackAll(List<Delivery> deliveries) {
        delegate().ackAll(deliveries.stream().map(KitEnvelopes::inner).toList());
    }

    @Override
    public void requeue(Delivery delivery) {
        delegate().requeue(inner(delivery));
    }

    @Override
    public void reject(Delivery delivery, String reason) {
        delegate().reject(inner(delivery), reason);
    }

    @Override
    public boolean extendLease(Delivery delivery) {
        return delegate().extendLease(inner(delivery));
    }

    @Override
    public List<DeadLetter> deadLetters(String queue, int max) {
        return delegate().deadLetters(queue, max).stream().map(l -> new DeadLetter(l.queue(), l.messageId(), unwrap(l.body()),
                l.reason(), l.rejectedAt())).toList();
    }
}
