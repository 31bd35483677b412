package dev.amdahl;

/** Child-JVM pool: placeholder entry point until the process pool lands. */
final class ProcessExecutionPool {

    private ProcessExecutionPool() {
    }

    static ExecutionPool start(Amdahl app, WorkerOptions options) {
        throw new AmdahlException("the process pool is not available in this build yet; use Pool.THREADS");
    }
}
