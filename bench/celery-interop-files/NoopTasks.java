import dev.amdahl.Amdahl;
import dev.amdahl.TaskCatalog;

/** bench/celery-interop's task for `amdahl worker --protocol celery --include NoopTasks`: Celery's bench.noop(n). */
public final class NoopTasks implements TaskCatalog {
    @Override
    public void register(Amdahl app) {
        app.task("bench.noop", Integer.class, Integer.class, n -> n);
    }
}
