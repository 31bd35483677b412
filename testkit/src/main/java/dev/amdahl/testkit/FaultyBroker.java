package dev.amdahl.testkit;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.ForwardingBroker;
import dev.amdahl.spi.OutboundMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The broker side of a {@link FaultInjection}: publishes what it says in place of what was published, hides the
 * deliveries it drops, and lets nothing done with a crashed delivery reach the broker.
 */
final class FaultyBroker extends ForwardingBroker {

    private final FaultInjection faults;

    FaultyBroker(Broker delegate, FaultInjection faults) {
        super(delegate);
        this.faults = faults;
    }

    @Override
    public void publish(String queue, OutboundMessage message) {
        List<OutboundMessage> out = faults.onPublish(List.of(message));
        if (out.size() == 1) {
            super.publish(queue, out.get(0));
        } else {
            super.publishAll(queue, out);
        }
    }

    @Override
    public void publishAll(String queue, List<OutboundMessage> messages) {
        super.publishAll(queue, faults.onPublish(messages));
    }

    @Override
    public List<Delivery> poll(List<String> queues, int max, Duration timeout) throws InterruptedException {
        for (Delivery d : faults.dueToGiveBack(this)) {
            try {
                super.requeue(d);
            } catch (RuntimeException e) {
                // its lease ran out first and the broker took it back: the same outcome
            }
        }
        return faults.onDeliver(super.poll(queues, max, faults.untilNextGiveBack(this, timeout)), this);
    }

    @Override
    public void ack(Delivery delivery) {
        if (!faults.swallowsAck(delivery)) {
            super.ack(delivery);
        }
    }

    @Override
    public void ackAll(List<Delivery> deliveries) {
        List<Delivery> alive = new ArrayList<>(deliveries.size());
        for (Delivery d : deliveries) {
            if (!faults.swallowsAck(d)) {
                alive.add(d);
            }
        }
        if (!alive.isEmpty()) {
            super.ackAll(alive);
        }
    }

    @Override
    public void requeue(Delivery delivery) {
        if (!faults.isDead(delivery)) {
            faults.givenBack(delivery);
            super.requeue(delivery);
        }
    }

    @Override
    public void reject(Delivery delivery, String reason) {
        if (!faults.isDead(delivery)) {
            faults.givenBack(delivery);
            super.reject(delivery, reason);
        }
    }

    @Override
    public boolean extendLease(Delivery delivery) {
        // a crashed handling renews nothing; its worker hears the lease is lost and lets it go, as a dead one would
        return !faults.isDead(delivery) && super.extendLease(delivery);
    }
}
