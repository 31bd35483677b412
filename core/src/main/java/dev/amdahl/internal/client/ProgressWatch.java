package dev.amdahl.internal.client;

import dev.amdahl.spi.Registration;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.spi.UpdateFeed;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds futures the progress reports of their tasks: pushed by the backend where it can, otherwise read
 * every {@link #PROGRESS_POLL} on one shared daemon thread, made on first need. Either way the record stored
 * before the subscription is read once, so a report made earlier is not missed.
 */
final class ProgressWatch {

    private static final Logger log = LoggerFactory.getLogger(ProgressWatch.class);
    private static final Duration PROGRESS_POLL = Duration.ofMillis(250);

    private final ResultBackend backend;
    /** Reads progress for backends that cannot push it; made on first need. Guarded by this. */
    private ScheduledExecutorService poller;

    ProgressWatch(ResultBackend backend) {
        this.backend = backend;
    }

    Registration subscribe(DefaultTaskFuture<?> future) {
        Optional<Registration> pushed = backend.capability(UpdateFeed.class)
                .map(feed -> feed.onUpdate(future.id(), r -> future.progressed(r.progress())));
        Registration registration = pushed.orElseGet(() -> {
            ScheduledFuture<?> poll = poller().scheduleWithFixedDelay(() -> readProgress(future),
                    PROGRESS_POLL.toMillis(), PROGRESS_POLL.toMillis(), TimeUnit.MILLISECONDS);
            return () -> poll.cancel(false);
        });
        readProgress(future);
        return registration;
    }

    private void readProgress(DefaultTaskFuture<?> future) {
        try {
            backend.get(future.id()).map(TaskRecord::progress).ifPresent(future::progressed);
        } catch (RuntimeException e) {
            log.debug("reading the progress of task {} failed: {}", future.id(), e.toString());
        }
    }

    private synchronized ScheduledExecutorService poller() {
        if (poller == null) {
            poller = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "amdahl-progress");
                t.setDaemon(true);
                return t;
            });
        }
        return poller;
    }

    /** Stops the poller, if one was started. */
    synchronized void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
    }
}
