package dev.amdahl.redis.internal;

import dev.amdahl.TaskState;
import dev.amdahl.spi.TaskRecord;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * How a task record is stored under its result key: the state's name in ASCII, one space, then
 * {@link TaskRecord#toBytes()} ({@code SUCCESS {"id":...}}). The store scripts decide "final or not" from
 * that prefix (common.lua's {@code stateOf}), so they never search the record's bytes, and readers learn the
 * state of a notice without decoding it; the value stays one string, so MGET still reads a thousand records
 * in one round trip and a record expires with its key.
 */
final class RecordValue {

    private static final byte SEPARATOR = ' ';
    /** Longer than any state's name: where a prefix without a separator stops being one. */
    private static final int MAX_PREFIX = 16;

    private RecordValue() {
    }

    static byte[] encode(TaskRecord record) {
        byte[] state = record.state().name().getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = record.toBytes();
        byte[] value = new byte[state.length + 1 + bytes.length];
        System.arraycopy(state, 0, value, 0, state.length);
        value[state.length] = SEPARATOR;
        System.arraycopy(bytes, 0, value, state.length + 1, bytes.length);
        return value;
    }

    /** The state a stored value names, or null when it does not start with one. */
    static TaskState state(byte[] value) {
        return state(value, 0);
    }

    /** As {@link #state(byte[])} for a value that starts at {@code from} (a notice's, after its kind). */
    static TaskState state(byte[] value, int from) {
        int end = separator(value, from);
        if (end < 0) {
            return null;
        }
        try {
            return TaskState.valueOf(new String(value, from, end - from, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException unknown) {
            return null;
        }
    }

    /**
     * Decodes a stored value.
     *
     * @throws IllegalArgumentException saying what is wrong when the value is not a state and a record, or
     *                                  they disagree
     */
    static TaskRecord decode(byte[] value) {
        return decode(value, 0);
    }

    /** As {@link #decode(byte[])} for a value that starts at {@code from}, without copying it first. */
    static TaskRecord decode(byte[] value, int from) {
        TaskState state = state(value, from);
        if (state == null) {
            throw new IllegalArgumentException("it does not start with a task state and a space (written by another"
                    + " version of amdahl-redis, or not by amdahl at all)");
        }
        TaskRecord record = TaskRecord.fromBytes(Arrays.copyOfRange(value, separator(value, from) + 1, value.length));
        if (record.state() != state) {
            throw new IllegalArgumentException("its prefix says " + state + " but the record inside says " + record.state());
        }
        return record;
    }

    private static int separator(byte[] value, int from) {
        for (int i = from; i < value.length && i < from + MAX_PREFIX; i++) {
            if (value[i] == SEPARATOR) {
                return i;
            }
        }
        return -1;
    }
}
