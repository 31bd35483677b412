/**
 * The process pool: an execution pool whose jobs run in child JVMs, speaking a framed JSON protocol over
 * their standard streams, and the child's main class. May use: {@code internal.worker}'s pool interface,
 * {@code internal.task}, {@code internal.wire}, the SPI.
 */
package dev.amdahl.internal.process;
