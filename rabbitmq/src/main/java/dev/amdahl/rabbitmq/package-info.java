/**
 * RabbitMQ for Amdahl: a broker over AMQP 0-9-1 for {@code amqp://} and {@code amqps://} URLs, and a result backend
 * over direct reply-to for {@code rpc://} URLs. Applications name the URL and never these classes; see the module's
 * README for the design and what each URL option does.
 */
package dev.amdahl.rabbitmq;
