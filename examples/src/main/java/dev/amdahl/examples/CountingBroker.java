package dev.amdahl.examples;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ForwardingBroker;
import dev.amdahl.spi.OutboundMessage;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * A broker that counts the bytes published through it, clients' and workers' (retries, workflow steps) alike: what
 * the queue carried, the figure {@link PipelineJob} compares by value and by reference. Everything else is the
 * delegate's.
 */
final class CountingBroker extends ForwardingBroker {

    private final LongAdder bytes = new LongAdder();
    private final LongAdder messages = new LongAdder();

    CountingBroker(Broker delegate) {
        super(delegate);
    }

    /** The bytes of every message body published so far. */
    long bytes() {
        return bytes.sum();
    }

    /** How many messages were published so far. */
    long messages() {
        return messages.sum();
    }

    @Override
    public void publish(String queue, OutboundMessage message) {
        bytes.add(message.body().length);
        messages.increment();
        super.publish(queue, message);
    }

    @Override
    public void publishAll(String queue, List<OutboundMessage> out) {
        for (OutboundMessage m : out) {
            bytes.add(m.body().length);
            messages.increment();
        }
        super.publishAll(queue, out);
    }
}
