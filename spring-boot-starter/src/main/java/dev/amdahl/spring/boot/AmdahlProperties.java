package dev.amdahl.spring.boot;

import dev.amdahl.Pool;
import dev.amdahl.TaskCatalog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code amdahl.*} properties: where the application's tasks travel and how its worker runs them.
 *
 * <pre>
 * amdahl.broker=redis://10.0.0.5:6379
 * amdahl.worker.concurrency=8
 * amdahl.worker.queues=tiles,amdahl
 * amdahl.worker.shutdown-grace=20s
 * </pre>
 */
@ConfigurationProperties(prefix = "amdahl")
public class AmdahlProperties {

    /**
     * The broker URL: memory:// (this process only, nothing to install), redis://host:port, amqp://user:pass@host:5672/,
     * postgresql://host/db; the module for the scheme (amdahl-redis, ...) must be on the class path.
     */
    private String broker = "memory://";

    /** The result backend URL; unset, the broker's URL when that scheme keeps results. */
    private String resultBackend;

    /** The queue tasks go to unless a handle says otherwise; unset, amdahl (or the wire protocol's). */
    private String defaultQueue;

    /** The messages' wire protocol: amdahl (Amdahl's own) or celery (needs amdahl-celery). */
    private String wireProtocol;

    /**
     * Task catalogs to include by class, instantiated with their no-argument constructor: the way to give tasks to
     * the process pool, whose child JVMs replay these classes. Tasks of TaskCatalog beans need no entry here.
     */
    private List<Class<? extends TaskCatalog>> include = new ArrayList<>();

    private final Worker worker = new Worker();

    public String getBroker() {
        return broker;
    }

    public void setBroker(String broker) {
        this.broker = broker;
    }

    public String getResultBackend() {
        return resultBackend;
    }

    public void setResultBackend(String resultBackend) {
        this.resultBackend = resultBackend;
    }

    public String getDefaultQueue() {
        return defaultQueue;
    }

    public void setDefaultQueue(String defaultQueue) {
        this.defaultQueue = defaultQueue;
    }

    public String getWireProtocol() {
        return wireProtocol;
    }

    public void setWireProtocol(String wireProtocol) {
        this.wireProtocol = wireProtocol;
    }

    public List<Class<? extends TaskCatalog>> getInclude() {
        return include;
    }

    public void setInclude(List<Class<? extends TaskCatalog>> include) {
        this.include = include;
    }

    public Worker getWorker() {
        return worker;
    }

    /** The {@code amdahl.worker.*} properties: the worker that runs in this application while its context is up. */
    public static class Worker {

        /** Whether this application runs a worker; false for one that only submits tasks. */
        private boolean enabled = true;

        /** The queues to consume, served fairly; unset, the default queue. */
        private List<String> queues = new ArrayList<>();

        /** How many tasks run at once; unset, the number of available processors. */
        private Integer concurrency;

        /** Where tasks run: threads, virtual (Java 21+) or processes (tasks from amdahl.include only). */
        private Pool pool = Pool.THREADS;

        /** How many messages the worker holds at most, running or waiting; unset, four times the concurrency. */
        private Integer prefetch;

        /**
         * On context close, how long running tasks may take to finish before they are interrupted and given back to the
         * broker. Keep spring.lifecycle.timeout-per-shutdown-phase (30s by default) a few seconds above it.
         */
        private Duration shutdownGrace = Duration.ofSeconds(25);

        /** How often the worker renews its leases; unset, a third of the broker's visibility timeout. */
        private Duration leaseRenewal;

        /** Whether STARTED is stored when a task starts (one more write per task). */
        private boolean trackStarted;

        /** The worker's name in task records and logs; unset, amdahl-PID@HOST. */
        private String name;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public List<String> getQueues() {
            return queues;
        }

        public void setQueues(List<String> queues) {
            this.queues = queues;
        }

        public Integer getConcurrency() {
            return concurrency;
        }

        public void setConcurrency(Integer concurrency) {
            this.concurrency = concurrency;
        }

        public Pool getPool() {
            return pool;
        }

        public void setPool(Pool pool) {
            this.pool = pool;
        }

        public Integer getPrefetch() {
            return prefetch;
        }

        public void setPrefetch(Integer prefetch) {
            this.prefetch = prefetch;
        }

        public Duration getShutdownGrace() {
            return shutdownGrace;
        }

        public void setShutdownGrace(Duration shutdownGrace) {
            this.shutdownGrace = shutdownGrace;
        }

        public Duration getLeaseRenewal() {
            return leaseRenewal;
        }

        public void setLeaseRenewal(Duration leaseRenewal) {
            this.leaseRenewal = leaseRenewal;
        }

        public boolean isTrackStarted() {
            return trackStarted;
        }

        public void setTrackStarted(boolean trackStarted) {
            this.trackStarted = trackStarted;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }
    }
}
