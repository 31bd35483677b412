package dev.amdahl.dashboard;

import dev.amdahl.Amdahl;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import java.time.Duration;
import java.util.UUID;

/**
 * A deployment for the dashboard's tests, shaped as {@code amdahl dashboard} sees one: a client application that
 * registers no code (the one the dashboard reads through, and the tests submit with), and a worker's application that
 * knows {@code dash.square}, {@code dash.fail} and {@code dash.slow} but not {@code dash.later}. On demand a second
 * worker replaces it, knowing them all: a dead letter of {@code dash.later} can then be requeued and complete. On the
 * embedded broker the worker applications share the client's broker and backend objects; on Redis, a URL.
 */
final class Deployment implements AutoCloseable {

    final Amdahl app;
    private final String url;
    private final Amdahl workerApp;
    private final Worker worker;
    private Amdahl lateApp;

    private Deployment(String url) {
        this.url = url;
        app = url == null ? Amdahl.builder().build() : Amdahl.builder().broker(url).build();
        workerApp = register(shared(), false);
        worker = workerApp.startWorker(WorkerOptions.builder().concurrency(4).build());
    }

    /** On the embedded broker. */
    static Deployment embedded() {
        return new Deployment(null);
    }

    /** On the real Redis at 127.0.0.1:6379, under a prefix of its own. */
    static Deployment redis() {
        return new Deployment("redis://127.0.0.1:6379/0?prefix=dash-it-" + UUID.randomUUID() + "&result-ttl=120s");
    }

    private Amdahl shared() {
        return url == null ? Amdahl.builder().broker(app.broker()).resultBackend(app.resultBackend()).build()
                : Amdahl.builder().broker(url).build();
    }

    /** Stops the first worker and starts one that knows {@code dash.later} too. */
    void startWorkerThatKnowsEverything() {
        worker.close();
        lateApp = register(shared(), true);
        lateApp.startWorker(WorkerOptions.builder().concurrency(2).build());
    }

    private static Amdahl register(Amdahl a, boolean later) {
        a.task("dash.square", Integer.class, Integer.class, x -> {
            Thread.sleep(20);
            return x * x;
        });
        a.task("dash.fail", String.class, String.class, x -> {
            throw new IllegalArgumentException("no good: " + x);
        });
        a.task("dash.slow", Integer.class, Integer.class, x -> {
            Thread.sleep(x);
            return x;
        });
        if (later) {
            a.task("dash.later", String.class, String.class, x -> "late " + x);
        }
        return a;
    }

    @Override
    public void close() {
        if (lateApp != null) {
            lateApp.close();
        }
        workerApp.close();
        app.close();
    }

    static Duration timeout() {
        return Duration.ofSeconds(30);
    }
}
