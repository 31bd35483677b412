/**
 * The worker runtime: consuming queues within a prefetch limit, running jobs on an execution pool
 * (platform or virtual threads), settling each message once after its outcome is stored, revocations,
 * time and rate limits, retries. May use: {@code internal.task}, {@code internal.wire},
 * {@code internal.workflow}, the SPI; never {@code internal.client}.
 */
package dev.amdahl.internal.worker;
