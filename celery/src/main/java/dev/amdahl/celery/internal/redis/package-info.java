/**
 * kombu's Redis transport layout (queue lists, priority sub-lists, the {@code unacked} acknowledgement emulation) as
 * an Amdahl {@link dev.amdahl.spi.Broker}, and Celery's Redis result backend keys as a
 * {@link dev.amdahl.spi.ResultBackend}, so that Java and Python processes share one Redis. May use the public API and
 * SPI of core, the protocol, result and canvas packages of this module, and Lettuce.
 */
package dev.amdahl.celery.internal.redis;
