package dev.amdahl.celery.internal.amqp;

/**
 * Celery 5.5's quorum queues ({@code ?queue-type=quorum}) pass the broker contract on the shared RabbitMQ, which counts
 * their returns itself ({@code x-delivery-count}); fresh queue names per test, deleted after. A quorum queue of RabbitMQ
 * 3.x keeps no priorities, so every priority is one level; the rest as {@link CeleryAmqpBrokerContractIT}.
 */
class CeleryAmqpQuorumContractIT extends CeleryAmqpBrokerContractIT {

    @Override
    String queryPrefix() {
        return "queue-type=quorum&";
    }
}
