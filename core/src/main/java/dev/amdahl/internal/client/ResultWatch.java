package dev.amdahl.internal.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amdahl.AmdahlException;
import dev.amdahl.ErrorType;
import dev.amdahl.TaskFailedException;
import dev.amdahl.TaskState;
import dev.amdahl.internal.json.Json;
import dev.amdahl.internal.json.Scalars;
import dev.amdahl.internal.task.RegisteredTask;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/** Futures that complete from the backend's final records, their results decoded into the task's result type. */
final class ResultWatch {

    private final ResultBackend backend;
    private final BiConsumer<String, Boolean> revoker;
    private final ProgressWatch progress;
    /** What starts a future's progress feed: one for all futures, not one bound per future. */
    private final java.util.function.Function<DefaultTaskFuture<?>, dev.amdahl.spi.Registration> progressSubscriber;

    ResultWatch(ResultBackend backend, BiConsumer<String, Boolean> revoker, ProgressWatch progress) {
        this.backend = backend;
        this.revoker = revoker;
        this.progress = progress;
        this.progressSubscriber = progress::subscribe;
    }

    /** A future for task {@code id}, not yet published, completed when the backend reports its final record. */
    <R> DefaultTaskFuture<R> watch(RegisteredTask<?, R> task, String id) {
        return watch(task, id, true);
    }

    /** @param unpublished whether the task is published only after this returns (then its record cannot exist yet) */
    <R> DefaultTaskFuture<R> watch(RegisteredTask<?, R> task, String id, boolean unpublished) {
        DefaultTaskFuture<R> future = newFuture(id, task.name());
        Consumer<TaskRecord> complete = record -> {
            try {
                if (record.state() == TaskState.SUCCESS) {
                    future.succeed(record, decodeResult(task, record, record.result()));
                } else {
                    completeUnsuccessfully(future, record);
                }
            } catch (Exception e) {
                future.fail(record, e);
            }
        };
        if (unpublished) {
            backend.whenReadyUnpublished(id, complete);
        } else {
            backend.whenReady(id, complete);
        }
        return future;
    }

    /** One future per element of a chunk, all completed from the chunk's one record, decoded once. */
    <R> List<DefaultTaskFuture<R>> watchChunk(RegisteredTask<?, R> task, String id, int size) {
        List<DefaultTaskFuture<R>> items = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            items.add(newFuture(id, task.name()));
        }
        backend.whenReadyUnpublished(id, record -> {
            try {
                switch (record.state()) {
                    case SUCCESS -> {
                        JsonNode results = Json.mapper().readTree(record.result());
                        if (results == null || !results.isArray() || results.size() != size) {
                            throw new AmdahlException("the result of chunk " + id + " of task '" + task.name()
                                    + "' is not an array of " + size + " results");
                        }
                        for (int i = 0; i < size; i++) {
                            items.get(i).succeed(record, decodeResult(task, record, results.get(i)));
                        }
                    }
                    default -> items.forEach(f -> completeUnsuccessfully(f, record));
                }
            } catch (Exception e) {
                items.forEach(f -> f.fail(record, e));
            }
        });
        return items;
    }

    private <R> DefaultTaskFuture<R> newFuture(String id, String name) {
        return new DefaultTaskFuture<>(id, name, backend, revoker, progressSubscriber);
    }

    private static void completeUnsuccessfully(DefaultTaskFuture<?> future, TaskRecord record) {
        if (record.state() == TaskState.REVOKED) {
            future.revoked(record);
        } else {
            TaskError error = record.error() != null ? record.error()
                    : TaskError.of(ErrorType.UNKNOWN.typeName(), "the task ended in " + record.state() + " without an error");
            future.fail(record, new TaskFailedException(future.taskName(), future.id(), error));
        }
    }

    private static <R> R decodeResult(RegisteredTask<?, R> task, TaskRecord record, String json) {
        try {
            return Scalars.readValue(json, task.resultType());
        } catch (Exception e) {
            throw new AmdahlException("the result of task '" + task.name() + "' (id " + record.taskId()
                    + ") does not decode into " + task.resultType().toCanonical() + ": " + e.getMessage(), e);
        }
    }

    private static <R> R decodeResult(RegisteredTask<?, R> task, TaskRecord record, JsonNode json) {
        try {
            return Scalars.convertValue(json, task.resultType());
        } catch (IllegalArgumentException e) {
            throw new AmdahlException("the result of task '" + task.name() + "' (id " + record.taskId()
                    + ") does not decode into " + task.resultType().toCanonical() + ": " + e.getMessage(), e);
        }
    }
}
