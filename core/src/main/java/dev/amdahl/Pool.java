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
 *       redelivered or failed with the cause. A hard time limit is exact here: the child running the
 *       task is killed and replaced (thread pools can only interrupt and abandon the task's thread).
 *       Tasks must be registered in a {@link TaskCatalog} so the
 *       children can register them too. A child's standard output belongs to the pool: what tasks
 *       print to {@code System.out} goes to stderr, which the worker logs with the child's pid.
 *       Extra JVM options for the children (a heap size, say): the system property
 *       {@code amdahl.processPool.jvmOptions}, e.g. {@code -Damdahl.processPool.jvmOptions="-Xmx2g"}.</li>
 * </ul>
 */
public enum Pool {
    THREADS,
    VIRTUAL,
    PROCESSES
}
