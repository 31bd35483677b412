package dev.amdahl.postgres.internal;

import dev.amdahl.TaskState;
import java.util.Base64;

/**
 * What a store of the result backend announces on its channel, one notification per stored record, written by the
 * storing statement itself ({@link #SQL}) so that only what was stored is announced, and only once it commits:
 * {@code STATE n:ID[BASE64]}, the task's state, the id's length in code points, the id, then the record's bytes in
 * base64 when they fit in a notification (PostgreSQL's limit is 8000 bytes), so a waiter is woken without a read.
 * A task id too long for a notification is announced as {@code *}: whoever waits reads the records of all it waits
 * for. A notification is untrusted like any message: one that does not parse is dropped with a warning (whoever waits
 * is then found by the fallback re-read).
 *
 * @param state  the stored state
 * @param taskId the task, or null for {@code *}
 * @param record the record's bytes, or null when they did not travel inside the notice
 */
record ResultNotice(TaskState state, String taskId, byte[] record) {

    /** Ids up to this many bytes are named in the notice. */
    static final int MAX_ID_BYTES = 1000;
    /** Records up to this many bytes, with the id's, travel inside the notice: base64 of 5,600 bytes is some 7,600. */
    static final int MAX_INLINE_BYTES = 5600;

    /** The payload of a row {@code w} (task_id, state, record) of the storing statement. */
    static final String SQL = "case when octet_length(w.task_id) > " + MAX_ID_BYTES + " then '*'"
            + " else w.state || ' ' || char_length(w.task_id) || ':' || w.task_id"
            + " || case when octet_length(w.record) + octet_length(w.task_id) <= " + MAX_INLINE_BYTES
            + " then encode(w.record, 'base64') else '' end end";

    /** A notice meaning "read the records of every task you wait for". */
    static ResultNotice all() {
        return new ResultNotice(null, null, null);
    }

    boolean isAll() {
        return taskId == null;
    }

    /**
     * Parses a payload.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    static ResultNotice parse(String payload) {
        if (payload.equals("*")) {
            return all();
        }
        int space = payload.indexOf(' ');
        if (space < 1) {
            throw new IllegalArgumentException("it does not start with a task state and a space");
        }
        TaskState state;
        try {
            state = TaskState.valueOf(payload.substring(0, space));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("it names an unknown task state");
        }
        int colon = payload.indexOf(':', space + 1);
        if (colon < 0 || colon == space + 1 || colon - space - 1 > 9) {
            throw new IllegalArgumentException("the task id's length is missing");
        }
        int length;
        try {
            length = Integer.parseInt(payload.substring(space + 1, colon));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the task id's length is not a number");
        }
        if (length < 0 || payload.codePointCount(colon + 1, payload.length()) < length) {
            throw new IllegalArgumentException("it is shorter than the task id's length says");
        }
        int idEnd = payload.offsetByCodePoints(colon + 1, length);
        String taskId = payload.substring(colon + 1, idEnd);
        byte[] record = null;
        if (idEnd < payload.length()) {
            try {
                // PostgreSQL's encode() breaks lines every 76 characters; nothing else but the alphabet is allowed
                record = Base64.getDecoder().decode(payload.substring(idEnd).replace("\n", ""));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the record after the task id is not base64");
            }
        }
        return new ResultNotice(state, taskId, record);
    }
}
