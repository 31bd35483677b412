package dev.amdahl;

/**
 * Where a worker runs its tasks.
 *
 * <ul>
 *   <li>{@link #THREADS}: platform threads in the worker's JVM (shared memory). The default.</li>
 *   <li>{@link #VIRTUAL}: virtual threads, for tasks that mostly wait on I/O. Needs a Java 21+ runtime;
 *       on an older one the worker refuses to start and says so.</li>
 *   <li>{@link #PROCESSES}: child JVMs on the same class path (distributed memory on one machine). A
 *       task that crashes its JVM takes only its child with it; the child is replaced and the task
 *       redelivered or failed with the cause. Tasks must be registered in a {@link TaskCatalog} so the
 *       children can register them too.</li>
 * </ul>
 */
public enum Pool {
    THREADS,
    VIRTUAL,
    PROCESSES
}
