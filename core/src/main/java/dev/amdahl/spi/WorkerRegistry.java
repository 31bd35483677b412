package dev.amdahl.spi;

import java.time.Duration;
import java.util.Map;

/**
 * A result backend's capability to keep the workers' heartbeats, so that operators ({@code amdahl status},
 * {@code amdahl inspect}) see which workers are alive and what they do. A worker puts its heartbeat every few
 * seconds with a time to live of a few intervals, and removes it when it stops cleanly; a worker that dies simply
 * stops renewing it, and it expires. So every heartbeat a backend keeps has an expiry: nothing is left behind.
 *
 * <pre>{@code
 * registry.putHeartbeat(worker.name(), heartbeat.toBytes(), Duration.ofSeconds(6));
 * registry.heartbeats().values().stream().map(WorkerHeartbeat::fromBytes).forEach(System.out::println);
 * }</pre>
 *
 * <h2>Contract</h2>
 * Checked by the {@code WorkerRegistry} tests of {@code ResultBackendContractTest}: {@link #heartbeats} returns,
 * by worker name, the bytes last put for each worker whose heartbeat has neither expired ({@code ttl} after its
 * last put, a little later is fine) nor been removed, as any client put them. Bytes are opaque to the backend.
 * A backend without this capability still runs workers; they are simply not listed.
 *
 * @see ResultBackend#capability(Class)
 * @see WorkerHeartbeat
 */
public interface WorkerRegistry extends ResultBackend.Capability {

    /** Keeps {@code heartbeat} as the worker's latest, replacing the one before, until {@code ttl} from now. */
    void putHeartbeat(String worker, byte[] heartbeat, Duration ttl);

    /** Forgets the worker's heartbeat at once (it stopped cleanly); nothing happens when there is none. */
    void removeHeartbeat(String worker);

    /** The latest heartbeat of every live worker, by worker name. */
    Map<String, byte[]> heartbeats();
}
