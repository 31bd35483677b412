package dev.amdahl;

import java.util.stream.Collectors;

/**
 * A worker JVM for {@link ProcessExecutionPoolTest}'s orphan test: starts a process pool of two,
 * prints its children's pids, keeps one child busy in a rendezvous with the test, and waits to be killed.
 */
public final class ProcessPoolParentMain {

    private ProcessPoolParentMain() {
    }

    public static void main(String[] args) throws Exception {
        Amdahl app = Amdahl.builder().include(ProcessPoolTasks.class).build();
        app.startWorker(WorkerOptions.builder().pool(Pool.PROCESSES).concurrency(2).build());
        System.out.println("children " + ProcessHandle.current().children().map(p -> Long.toString(p.pid()))
                .collect(Collectors.joining(" ")));
        System.out.flush();
        app.task("p.rendezvous", Integer.class, Long.class).submit(Integer.parseInt(args[0]));
        Thread.currentThread().join();
    }
}
