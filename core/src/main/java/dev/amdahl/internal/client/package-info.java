/**
 * The client side: publishing tasks and workflows, futures that complete from the result backend,
 * eager mode, revocation and progress for callers. May use: {@code internal.task}, {@code internal.wire},
 * {@code internal.workflow}, the SPI. The worker never uses this package.
 */
package dev.amdahl.internal.client;
