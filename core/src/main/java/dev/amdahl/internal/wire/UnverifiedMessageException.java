package dev.amdahl.internal.wire;

/**
 * A message whose origin cannot be trusted: unsigned where signatures are required, signed with a key this
 * process does not know, or with a signature that does not verify. Unlike a {@link MalformedMessageException}
 * it never names a task id, and nothing is stored for it: whoever forged the message could otherwise write a
 * record for any task id they chose.
 */
public final class UnverifiedMessageException extends RuntimeException {

    public UnverifiedMessageException(String reason) {
        super(reason);
    }
}
