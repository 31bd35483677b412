/**
 * Celery's canvas run by Java workers: the callbacks, chain steps, errbacks and chord counting that Celery's worker and
 * Redis result backend do after a task ends, so that chains and chords built in Python complete on Java workers. May
 * use the public API and SPI of core and the protocol and result packages of this module.
 */
package dev.amdahl.celery.internal.canvas;
