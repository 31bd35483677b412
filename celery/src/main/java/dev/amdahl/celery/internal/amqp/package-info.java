/**
 * Celery's layout on RabbitMQ (AMQP 0-9-1), as Celery 5.2's Python clients and workers declare and use it: a broker
 * behind core's {@code Broker} SPI, and Celery's {@code rpc://} replies behind its {@code ResultBackend} SPI. May use
 * the public API and SPI of core, the protocol and result packages of this module, and the RabbitMQ client.
 */
package dev.amdahl.celery.internal.amqp;
