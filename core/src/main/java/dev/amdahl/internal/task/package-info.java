/**
 * What an application knows of its tasks and how one runs: the registry, routing, queue-name rules, the
 * invoker that decodes an argument, runs the code with its {@link dev.amdahl.TaskContext} and encodes the
 * outcome, and the run control shared by pools and watchdogs. Shared by the client (eager mode) and the
 * worker. May use: {@code internal.wire}, {@code internal.json}, the SPI.
 */
package dev.amdahl.internal.task;
