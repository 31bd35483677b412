/**
 * What Celery's own tools see of a Java worker: Celery's remote control ({@code celery inspect ping | active |
 * registered}, {@code celery control revoke}), answered over kombu's process mailbox ({@code celery.pidbox}), and
 * Celery's worker and task events on the {@code celeryev} exchange, both as an observer of the worker, over kombu's
 * Redis transport or Celery's RabbitMQ layout. May use the public API and SPI of core, the protocol, redis and amqp
 * packages of this module, Lettuce and the RabbitMQ client.
 */
package dev.amdahl.celery.internal.control;
