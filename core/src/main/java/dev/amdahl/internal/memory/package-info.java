/**
 * The embedded broker and result backend: queues and records in this process's memory, for one JVM and for
 * tests. They pass the same contract kits as the networked ones. May use: the SPI only.
 */
package dev.amdahl.internal.memory;
