/**
 * Periodic tasks: cron expressions and the scheduler ("beat") that submits each due tick once, however
 * many schedulers run, by claiming it in the result backend. May use: {@code internal.task}, the SPI.
 */
package dev.amdahl.internal.beat;
