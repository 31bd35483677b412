package dev.amdahl.celery.internal.control;

import dev.amdahl.Amdahl;
import dev.amdahl.celery.internal.amqp.CeleryAmqpSettings;
import dev.amdahl.celery.internal.redis.KombuRedisSettings;
import dev.amdahl.observe.TaskEvent;
import dev.amdahl.observe.TaskObserver;
import dev.amdahl.observe.TaskOutcome;
import dev.amdahl.observe.WorkerView;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Celery's remote control and events for every worker of an application: each worker gets a {@link Mailbox} on the
 * broker's transport when it starts, closed when it stops. The observer calls only hand work to the mailbox's thread,
 * so they never block the worker.
 */
public final class CeleryMonitor implements TaskObserver {

    private final Function<CeleryWorkerNode, Mailbox> opener;
    private final Amdahl app;
    private final RecentEnvelopes envelopes;
    private final Clock clock;
    private final Map<String, Mailbox> mailboxes = new ConcurrentHashMap<>();

    private CeleryMonitor(Function<CeleryWorkerNode, Mailbox> opener, Amdahl app, RecentEnvelopes envelopes, Clock clock) {
        this.opener = opener;
        this.app = app;
        this.envelopes = envelopes;
        this.clock = clock;
    }

    /** Over kombu's Redis transport. */
    public static CeleryMonitor onRedis(KombuRedisSettings settings, Amdahl app, RecentEnvelopes envelopes, Clock clock) {
        return new CeleryMonitor(node -> RedisMailbox.open(settings, node), app, envelopes, clock);
    }

    /** Over Celery's RabbitMQ layout. */
    public static CeleryMonitor onRabbitMq(CeleryAmqpSettings settings, Amdahl app, RecentEnvelopes envelopes, Clock clock) {
        return new CeleryMonitor(node -> AmqpMailbox.open(settings, node), app, envelopes, clock);
    }

    @Override
    public void workerStarted(WorkerView worker) {
        Mailbox box = opener.apply(new CeleryWorkerNode(worker, app, envelopes, clock));
        Mailbox before = mailboxes.put(worker.name(), box);
        if (before != null) {
            before.close();
        }
    }

    @Override
    public void workerStopped(WorkerView worker) {
        Mailbox box = mailboxes.remove(worker.name());
        if (box != null) {
            box.close();
        }
    }

    @Override
    public void received(TaskEvent task) {
        Mailbox box = box(task);
        if (box != null) {
            box.received(task);
        }
    }

    @Override
    public Scope started(TaskEvent task) {
        Mailbox box = box(task);
        if (box != null) {
            box.started(task);
        }
        return null;
    }

    @Override
    public void finished(TaskEvent task, TaskOutcome outcome, Duration runTime) {
        Mailbox box = box(task);
        if (box != null) {
            box.finished(task, outcome, runTime);
        }
    }

    private Mailbox box(TaskEvent task) {
        return task.worker().map(mailboxes::get).orElse(null);
    }
}
