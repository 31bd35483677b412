package dev.amdahl.internal.wire;

import dev.amdahl.MessageLimits;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.MalformedDeliveryException;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.TaskEnvelope;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.spi.WireProtocol;
import java.lang.reflect.Type;
import java.util.Objects;
import java.util.function.Function;

/**
 * How this application's messages look on the broker: Amdahl's own JSON, signed or not ({@link #amdahl}), or a
 * {@link WireProtocol} ({@link #of}). The client, the worker's retries and workflow steps, and the eager runner all
 * encode through one, and the worker decodes through it, so every path speaks the same protocol. Whatever the
 * protocol, decoding fails only with {@link MalformedMessageException} (the worker stores the task's FAILURE when it
 * names an id) or {@link UnverifiedMessageException} (nothing stored).
 */
public abstract class Wire {

    public abstract MessageLimits limits();

    /**
     * A message a client publishes, refused when a worker with the same limits would refuse it.
     *
     * @throws MessageRefusedException naming the limit or what the protocol cannot carry
     */
    public abstract OutboundMessage encode(TaskMessage m, int priority);

    /**
     * {@link #encode(TaskMessage, int)}, and with {@code carry} the message also as this wire's {@link #decode} will read
     * it from the bytes, in the message's {@link OutboundMessage#decoded()}, for a broker that carries it: see
     * {@link #decode}. Refuses what {@link #encode(TaskMessage, int)} refuses.
     */
    public OutboundMessage encode(TaskMessage m, int priority, boolean carry) {
        return encode(m, priority);
    }

    /** A message a worker publishes for itself (a retry): already read within the limits once. */
    public abstract OutboundMessage encodeUnchecked(TaskMessage m, int priority);

    /**
     * The delivery's message. A delivery carrying what this wire made beside its bytes ({@link #encode(TaskMessage, int,
     * boolean)}, through a broker in this process) is not decoded again: that form was read from those bytes, by this
     * wire's reader within its limits, when they were made, so it is what decoding them gives. Anything else, the
     * bytes of any other publisher included, is decoded as hostile input.
     */
    public abstract TaskMessage decode(Delivery d);

    /**
     * What a wire carries beside the bytes it made: the message read back from them, and which wire read it, so that
     * only that wire uses it (another application's wire in the same process may have other limits or another key).
     * Identity equality, so that a delivery's equality and hash stay those of its fields, not of a message's tree.
     */
    private static final class Carried {
        final Wire wire;
        final TaskMessage message;

        Carried(Wire wire, TaskMessage message) {
            this.wire = wire;
            this.message = message;
        }
    }

    /** The message {@code d} carries from this wire, or {@code null}. */
    final TaskMessage carried(Delivery d) {
        return d.decoded() instanceof Carried c && c.wire == this ? c.message : null;
    }

    final Object carry(TaskMessage decoded) {
        return decoded == null ? null : new Carried(this, decoded);
    }

    /** What the protocol's message says comes after its final {@code record} ({@link WireProtocol#afterFinal}). */
    public void afterFinal(TaskMessage m, TaskRecord record) {
    }

    /** Whether {@link #afterFinal} may do anything: Amdahl's own messages keep their workflow steps to themselves. */
    public boolean hasStepsAfterFinal() {
        return false;
    }

    /** Amdahl's own JSON, signed by {@code signer}. */
    public static Wire amdahl(MessageCodec codec, MessageSigner signer) {
        return new Native(codec, signer);
    }

    /** {@code protocol}'s bytes; {@code argumentTypes} names the argument type of each task registered here. */
    public static Wire of(WireProtocol protocol, MessageLimits limits, Function<String, Type> argumentTypes) {
        return new Protocol(protocol, limits, argumentTypes);
    }

    private static final class Native extends Wire {
        private final MessageCodec codec;
        private final MessageSigner signer;

        Native(MessageCodec codec, MessageSigner signer) {
            this.codec = codec;
            this.signer = signer;
        }

        @Override
        public MessageLimits limits() {
            return codec.limits();
        }

        @Override
        public OutboundMessage encode(TaskMessage m, int priority) {
            return new OutboundMessage(m.id(), signer.sign(codec.encodeChecked(m)), priority, m.eta());
        }

        @Override
        public OutboundMessage encode(TaskMessage m, int priority, boolean carry) {
            if (!carry) {
                return encode(m, priority);
            }
            MessageCodec.Checked checked = codec.encodeChecked(m, true);
            return new OutboundMessage(m.id(), signer.sign(checked.body()), priority, m.eta(), carry(checked.decoded()));
        }

        @Override
        public OutboundMessage encodeUnchecked(TaskMessage m, int priority) {
            return new OutboundMessage(m.id(), signer.sign(MessageCodec.encode(m)), priority, m.eta());
        }

        @Override
        public TaskMessage decode(Delivery d) {
            TaskMessage carried = carried(d);
            return carried != null ? carried : codec.read(signer.open(d.body(), codec.limits().maxMessageBytes()));
        }
    }

    private static final class Protocol extends Wire {
        private final WireProtocol protocol;
        private final MessageLimits limits;
        private final Function<String, Type> argumentTypes;

        Protocol(WireProtocol protocol, MessageLimits limits, Function<String, Type> argumentTypes) {
            this.protocol = Objects.requireNonNull(protocol, "protocol");
            this.limits = limits;
            this.argumentTypes = argumentTypes;
        }

        @Override
        public MessageLimits limits() {
            return limits;
        }

        @Override
        public OutboundMessage encode(TaskMessage m, int priority) {
            try {
                return protocol.encode(envelope(m), priority, limits);
            } catch (MessageRefusedException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new MessageRefusedException("task '" + m.task() + "' (id " + m.id() + ") is refused by the "
                        + protocol.name() + " protocol: " + e.getMessage(), e);
            }
        }

        @Override
        public OutboundMessage encodeUnchecked(TaskMessage m, int priority) {
            return encode(m, priority);
        }

        @Override
        public TaskMessage decode(Delivery d) {
            TaskEnvelope e;
            try {
                e = protocol.decode(d, limits, argumentTypes);
            } catch (MalformedDeliveryException bad) {
                throw new MalformedMessageException(bad.taskId(), bad.errorType(), bad.getMessage());
            } catch (RuntimeException bug) {
                // a protocol that fails otherwise is still hostile input to the worker: rejected with the reason
                throw new MalformedMessageException(null, protocol.name() + " protocol could not decode the message: " + bug);
            }
            if (e == null) {
                throw new MalformedMessageException(null, protocol.name() + " protocol decoded the message to nothing");
            }
            return new TaskMessage(e.id(), e.task(), e.args(), e.chunk(), e.retries(), e.eta(), e.expires(), e.groupId(),
                    e.workflow(), e.maxRetries(), e.softTimeLimit(), e.hardTimeLimit());
        }

        @Override
        public void afterFinal(TaskMessage m, TaskRecord record) {
            protocol.afterFinal(envelope(m), record);
        }

        @Override
        public boolean hasStepsAfterFinal() {
            return true;
        }

        private static TaskEnvelope envelope(TaskMessage m) {
            return new TaskEnvelope(m.id(), m.task(), m.args(), m.chunk(), m.retries(), m.eta(), m.expires(), m.groupId(),
                    m.workflow(), m.maxRetries(), m.softTimeLimit(), m.hardTimeLimit());
        }
    }
}
