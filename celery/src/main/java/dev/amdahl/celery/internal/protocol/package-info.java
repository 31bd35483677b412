/**
 * Celery's task message protocol: version 2 read and written, version 1 read; kombu's JSON, plain (kombu 5.2)
 * and typed (kombu 5.3 and later); the envelope kombu's virtual transports (Redis) keep a message in. Every
 * message is untrusted input: decoding is bounded by {@link dev.amdahl.MessageLimits} and each field is
 * type-checked, a rejection naming the field and, when one could be read, the task id. May use the public API of
 * core only; never a transport.
 */
package dev.amdahl.celery.internal.protocol;
