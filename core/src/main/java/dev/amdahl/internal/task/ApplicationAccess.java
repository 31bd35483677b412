package dev.amdahl.internal.task;

import dev.amdahl.Amdahl;
import dev.amdahl.TaskCatalog;
import java.util.List;

/**
 * What the runtime's own packages need of an {@link Amdahl} that its public API does not offer: a child JVM of
 * the process pool rebuilds the application from its catalogs, then runs its tasks with the application's
 * invoker. Amdahl installs the one implementation when its class is initialised (the way the JDK lets
 * {@code java.lang} reach into its own internals); nothing else installs one.
 */
public abstract class ApplicationAccess {

    private static volatile ApplicationAccess installed;

    /** Called once, by Amdahl's class initialiser. */
    public static void install(ApplicationAccess access) {
        if (installed != null) {
            throw new IllegalStateException("application access is installed already");
        }
        installed = access;
    }

    /** The installed access, initialising Amdahl's class first if nothing has yet. */
    public static ApplicationAccess get() {
        if (installed == null) {
            try {
                Class.forName(Amdahl.class.getName(), true, Amdahl.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        return installed;
    }

    /** Runs the tasks registered with {@code app}, as its workers do. */
    public abstract TaskInvoker invoker(Amdahl app);

    /** The tasks registered with {@code app}. */
    public abstract TaskRegistry registry(Amdahl app);

    /** The catalogs {@code app} included, in order. */
    public abstract List<Class<? extends TaskCatalog>> catalogs(Amdahl app);

    /** The largest result {@code app} stores, in characters of JSON. */
    public abstract int maxResultBytes(Amdahl app);
}
