/**
 * Workflows: the node model behind signatures (chain, group, chord, error callbacks), its compilation into
 * messages, and the continuations a worker runs after a step ends (next steps, chord counting, error
 * callbacks). Used by the client to submit and by the worker to continue. May use: {@code internal.task},
 * {@code internal.wire}, the SPI.
 */
package dev.amdahl.internal.workflow;
