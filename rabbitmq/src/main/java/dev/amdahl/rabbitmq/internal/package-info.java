/** The RabbitMQ broker and backend behind the providers of {@code dev.amdahl.rabbitmq}: not an API. */
package dev.amdahl.rabbitmq.internal;
