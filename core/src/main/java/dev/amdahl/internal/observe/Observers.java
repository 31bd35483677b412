package dev.amdahl.internal.observe;

import dev.amdahl.observe.TaskEvent;
import dev.amdahl.observe.TaskObserver;
import dev.amdahl.observe.TaskOutcome;
import dev.amdahl.observe.TraceContext;
import dev.amdahl.observe.WorkerView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application's observers as one, for the client and the worker runtime to call without care: an observer
 * that throws is logged and skipped, never allowed to change what happens to a task. The first failure of each
 * observer and method is logged with its stack trace, later ones at debug, so a broken observer costs one line,
 * not one per task. With no observers every call is a field read and a return.
 */
public final class Observers {

    private static final Logger log = LoggerFactory.getLogger(Observers.class);
    private static final Observers NONE = new Observers(List.of());
    /** A publication that carries and follows nothing. */
    private static final TaskObserver.Publication QUIET = new TaskObserver.Publication() { };

    private final List<TaskObserver> observers;
    private final Set<String> failedOnce = ConcurrentHashMap.newKeySet();

    private Observers(List<TaskObserver> observers) {
        this.observers = List.copyOf(observers);
    }

    public static Observers of(List<TaskObserver> observers) {
        return observers.isEmpty() ? NONE : new Observers(observers);
    }

    public static Observers none() {
        return NONE;
    }

    public boolean isEmpty() {
        return observers.isEmpty();
    }

    public void workerStarted(WorkerView worker) {
        for (TaskObserver o : observers) {
            try {
                o.workerStarted(worker);
            } catch (RuntimeException e) {
                observerFailed(o, "workerStarted", e);
            }
        }
    }

    public void workerStopped(WorkerView worker) {
        for (TaskObserver o : observers) {
            try {
                o.workerStopped(worker);
            } catch (RuntimeException e) {
                observerFailed(o, "workerStopped", e);
            }
        }
    }

    /**
     * Every observer's publication as one; its context is the first one an observer gives (one tracer is the
     * expected case; a second would start a trace of its own that the messages cannot carry too).
     */
    public TaskObserver.Publication publishing(String queue, List<TaskEvent> tasks) {
        if (observers.isEmpty()) {
            return QUIET;
        }
        List<TaskObserver.Publication> all = new ArrayList<>(observers.size());
        TraceContext context = null;
        for (TaskObserver o : observers) {
            try {
                TaskObserver.Publication p = o.publishing(queue, tasks);
                if (p != null) {
                    all.add(p);
                    if (context == null) {
                        context = p.context();
                    }
                }
            } catch (RuntimeException e) {
                observerFailed(o, "publishing", e);
            }
        }
        TraceContext carried = context;
        return new TaskObserver.Publication() {
            @Override
            public TraceContext context() {
                return carried;
            }

            @Override
            public void published() {
                for (TaskObserver.Publication p : all) {
                    try {
                        p.published();
                    } catch (RuntimeException e) {
                        observerFailed(p, "published", e);
                    }
                }
            }

            @Override
            public void failed(RuntimeException failure) {
                for (TaskObserver.Publication p : all) {
                    try {
                        p.failed(failure);
                    } catch (RuntimeException e) {
                        observerFailed(p, "failed", e);
                    }
                }
            }
        };
    }

    public void received(TaskEvent task) {
        for (TaskObserver o : observers) {
            try {
                o.received(task);
            } catch (RuntimeException e) {
                observerFailed(o, "received", e);
            }
        }
    }

    /** Every observer's scope as one, closed in the reverse order of opening; {@code null} when none opened one. */
    public TaskObserver.Scope started(TaskEvent task) {
        List<TaskObserver.Scope> scopes = null;
        for (TaskObserver o : observers) {
            try {
                TaskObserver.Scope s = o.started(task);
                if (s != null) {
                    if (scopes == null) {
                        scopes = new ArrayList<>(observers.size());
                    }
                    scopes.add(s);
                }
            } catch (RuntimeException e) {
                observerFailed(o, "started", e);
            }
        }
        if (scopes == null) {
            return null;
        }
        List<TaskObserver.Scope> opened = scopes;
        return () -> {
            for (int i = opened.size() - 1; i >= 0; i--) {
                try {
                    opened.get(i).close();
                } catch (RuntimeException e) {
                    observerFailed(opened.get(i), "close", e);
                }
            }
        };
    }

    public void finished(TaskEvent task, TaskOutcome outcome, Duration runTime) {
        for (TaskObserver o : observers) {
            try {
                o.finished(task, outcome, runTime);
            } catch (RuntimeException e) {
                observerFailed(o, "finished", e);
            }
        }
    }

    public void deadLettered(String queue, String reason) {
        for (TaskObserver o : observers) {
            try {
                o.deadLettered(queue, reason);
            } catch (RuntimeException e) {
                observerFailed(o, "deadLettered", e);
            }
        }
    }

    private void observerFailed(Object observer, String method, RuntimeException e) {
        String key = observer.getClass().getName() + '.' + method;
        if (failedOnce.add(key)) {
            log.warn("observer {} threw from {}; ignored, the task goes on (later failures are logged at debug)",
                    observer.getClass().getName(), method, e);
        } else {
            log.debug("observer {} threw from {}: {}", observer.getClass().getName(), method, e.toString());
        }
    }
}
