/**
 * Celery's arguments and results on the Java side: positional and keyword arguments bound onto a task's record
 * type, and the result document of Celery's backends ({@code status}, {@code result}, {@code traceback},
 * {@code children}, {@code date_done}, {@code task_id}; failures as {@code exc_type}, {@code exc_message},
 * {@code exc_module}) both ways. May use the public API of core and the protocol package.
 */
package dev.amdahl.celery.internal.result;
