package dev.amdahl.spi;

import java.time.Instant;

/**
 * A message that a consumer rejected, kept with the reason so that nothing is lost silently.
 *
 * @param queue      the queue the message was rejected from
 * @param messageId  its id
 * @param body       its body, as published
 * @param reason     why it was rejected, in words a person can act on
 * @param rejectedAt when
 */
public record DeadLetter(String queue, String messageId, byte[] body, String reason, Instant rejectedAt) {
}
