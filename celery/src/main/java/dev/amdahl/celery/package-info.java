/**
 * Celery wire compatibility: Python Celery clients and workers share queues and results with Amdahl.
 *
 * <p>{@link dev.amdahl.celery.CeleryArguments} is what a Java task receives when it wants Celery's positional
 * and keyword arguments as they came, instead of bound onto its record type. The protocol codecs live in
 * {@code dev.amdahl.celery.internal.protocol} (task messages) and {@code dev.amdahl.celery.internal.result}
 * (arguments and results).
 */
package dev.amdahl.celery;
