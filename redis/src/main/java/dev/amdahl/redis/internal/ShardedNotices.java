package dev.amdahl.redis.internal;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisException;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The result notices of a Redis Cluster: one shard channel per result bucket (SSUBSCRIBE), each listened to on the
 * master that owns its slot, over one plain pub/sub connection per master.
 *
 * <h2>Invariants</h2>
 * {@code placed} maps each channel that is subscribed to the master it is subscribed on, and holds only channels
 * whose subscription was confirmed on a connection that has not dropped since. A channel leaves it when its
 * connection drops or the server unsubscribes it (its slot moved: failover or resharding); the listener hears
 * {@link Listener#lost} then, since notices published meanwhile are gone. A reconciliation, every
 * {@value #RECONCILE_MS} ms and soon after any loss, subscribes every wanted channel missing from {@code placed}
 * on the master that the client's topology says owns its slot (asking for a fresh topology when one fails),
 * closes connections to nodes that own none of the wanted channels any more, and, when it placed a channel
 * that had been lost, tells the listener {@link Listener#resubscribed}, whose re-reads find what the lost
 * notices would have said. All state is guarded by {@code this}.
 */
final class ShardedNotices implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ShardedNotices.class);
    static final long RECONCILE_MS = 1000;
    private static final long SOON_MS = 50;

    /** What the result backend does with what arrives; called on Lettuce's or this class's threads, never blocking. */
    interface Listener {
        void notice(String channel, byte[] message);

        /** Some subscriptions dropped: notices may be missed until {@link #resubscribed}. */
        void lost();

        /** Every wanted channel is subscribed again after a loss. */
        void resubscribed();
    }

    private final RedisConnections connections;
    private final Listener listener;
    private final ScheduledExecutorService reconciler;
    private final Set<String> wanted = new LinkedHashSet<>();
    private final Map<String, String> placed = new HashMap<>();
    private final Map<String, StatefulRedisPubSubConnection<String, byte[]>> links = new HashMap<>();
    private boolean lostSinceResubscribe;
    private boolean closed;

    ShardedNotices(RedisConnections connections, Listener listener) {
        this.connections = connections;
        this.listener = listener;
        this.reconciler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "amdahl-redis-shard-channels");
            t.setDaemon(true);
            return t;
        });
        reconciler.scheduleWithFixedDelay(this::reconcileQuietly, RECONCILE_MS, RECONCILE_MS, TimeUnit.MILLISECONDS);
    }

    /** Subscribes {@code channels} too, returning once each is subscribed on its master. */
    synchronized void subscribe(List<String> channels) {
        wanted.addAll(channels);
        RedisException failure = reconcile();
        if (failure != null) {
            throw failure;
        }
    }

    /** Whether every wanted channel is subscribed now. */
    synchronized boolean complete() {
        return !closed && placed.keySet().containsAll(wanted);
    }

    private void reconcileQuietly() {
        RuntimeException failure;
        try {
            synchronized (this) {
                failure = reconcile();
            }
        } catch (RuntimeException e) {
            failure = e;   // the topology could not be read: the next round tries again
        }
        if (failure != null) {
            log.debug("Could not subscribe every result channel yet ({}); trying again", failure.toString());
        }
    }

    /** Places the wanted channels that are not placed; the first failure, or null. Holds the lock. */
    private RedisException reconcile() {
        if (closed) {
            return null;
        }
        Partitions topology = connections.partitions();
        Map<String, List<String>> toPlace = new HashMap<>();
        Map<String, RedisClusterNode> nodes = new HashMap<>();
        Set<String> owners = new HashSet<>();
        for (String channel : wanted) {
            RedisClusterNode owner = topology.getMasterBySlot(Keys.slot(channel));
            if (owner == null) {
                continue;
            }
            owners.add(owner.getNodeId());
            nodes.put(owner.getNodeId(), owner);
            String at = placed.get(channel);
            if (!owner.getNodeId().equals(at)) {
                if (at != null) {
                    // the topology moved the slot before the server told us: listen where it is now
                    placed.remove(channel);
                    lostSinceResubscribe = true;
                    listener.lost();
                }
                toPlace.computeIfAbsent(owner.getNodeId(), k -> new ArrayList<>()).add(channel);
            }
        }
        RedisException failure = null;
        List<Map.Entry<String, CompletableFuture<Void>>> sent = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : toPlace.entrySet()) {
            StatefulRedisPubSubConnection<String, byte[]> link;
            try {
                link = link(nodes.get(e.getKey()));
            } catch (RedisException ex) {
                failure = failure == null ? ex : failure;
                continue;
            }
            for (String channel : e.getValue()) {
                // one channel a command: channels of different slots in one SSUBSCRIBE are refused (CROSSSLOT)
                sent.add(Map.entry(channel, link.async().ssubscribe(channel).toCompletableFuture()));
            }
        }
        for (Map.Entry<String, CompletableFuture<Void>> s : sent) {
            try {
                Scripts.join(s.getValue());
                String node = ownerOf(s.getKey(), topology);
                if (node != null) {
                    placed.put(s.getKey(), node);
                }
            } catch (RedisException ex) {
                failure = failure == null ? ex : failure;
            }
        }
        links.entrySet().removeIf(e -> {
            if (owners.contains(e.getKey())) {
                return false;
            }
            e.getValue().closeAsync();
            return true;
        });
        if (failure != null) {
            connections.refreshTopology();
        } else if (lostSinceResubscribe && placed.keySet().containsAll(wanted)) {
            lostSinceResubscribe = false;
            listener.resubscribed();
        }
        return failure;
    }

    private static String ownerOf(String channel, Partitions topology) {
        RedisClusterNode owner = topology.getMasterBySlot(Keys.slot(channel));
        return owner == null ? null : owner.getNodeId();
    }

    private StatefulRedisPubSubConnection<String, byte[]> link(RedisClusterNode node) {
        StatefulRedisPubSubConnection<String, byte[]> link = links.get(node.getNodeId());
        if (link != null && link.isOpen()) {
            return link;
        }
        if (link != null) {
            link.closeAsync();
        }
        String nodeId = node.getNodeId();
        StatefulRedisPubSubConnection<String, byte[]> made = connections.connectPubSub(node);
        made.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                dropped(nodeId, null);
            }
        });
        made.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void smessage(String channel, byte[] message) {
                listener.notice(channel, message);
            }

            @Override
            public void sunsubscribed(String channel, long count) {
                // the server unsubscribes a shard channel whose slot this node gave up (failover, resharding)
                dropped(nodeId, channel);
            }
        });
        links.put(nodeId, made);
        return made;
    }

    /**
     * A node's connection dropped ({@code channel} null) or the node unsubscribed one channel. Called on an event
     * loop, which must not wait for the lock (a reconciliation holding it waits for replies that loop delivers).
     */
    private void dropped(String nodeId, String channel) {
        try {
            reconciler.execute(() -> {
                boolean lost;
                synchronized (this) {
                    lost = placed.entrySet().removeIf(e -> e.getValue().equals(nodeId)
                            && (channel == null || e.getKey().equals(channel)));
                    if (lost) {
                        lostSinceResubscribe = true;
                    }
                }
                if (lost) {
                    listener.lost();
                    connections.refreshTopology();
                    reconciler.schedule(this::reconcileQuietly, SOON_MS, TimeUnit.MILLISECONDS);
                }
            });
        } catch (RejectedExecutionException closing) {
            log.debug("Result channel loss after close ignored");
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            links.values().forEach(StatefulRedisPubSubConnection::closeAsync);
            links.clear();
            placed.clear();
        }
        reconciler.shutdownNow();
    }
}
