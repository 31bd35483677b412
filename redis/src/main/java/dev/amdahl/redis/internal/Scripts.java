package dev.amdahl.redis.internal;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * A Lua script shipped in this module's resources, run with EVALSHA and, when Redis does not know it
 * (first use, or Redis restarted and lost its script cache), with EVAL, which also caches it.
 */
final class Scripts {

    private static final String COMMON = load("common.lua");
    private static final String STORE_COMMON = load("store-common.lua");

    static final Scripts POLL = of("poll.lua", ScriptOutputType.MULTI);
    static final Scripts ACK = of("ack.lua", ScriptOutputType.INTEGER);
    static final Scripts REQUEUE = of("requeue.lua", ScriptOutputType.INTEGER);
    static final Scripts REJECT = of("reject.lua", ScriptOutputType.INTEGER);
    static final Scripts EXTEND = of("extend.lua", ScriptOutputType.INTEGER);
    static final Scripts RELEASE = of("release.lua", ScriptOutputType.INTEGER);
    static final Scripts DEPTH = of("depth.lua", ScriptOutputType.INTEGER);
    static final Scripts PURGE = of("purge.lua", ScriptOutputType.INTEGER);
    static final Scripts ENSURE_GROUPS = of("ensure-groups.lua", ScriptOutputType.INTEGER);
    static final Scripts STORE = of("store.lua", ScriptOutputType.INTEGER, "PUBLISH", STORE_COMMON);
    static final Scripts STORE_UNLESS_FINAL = of("store-unless-final.lua", ScriptOutputType.MULTI, "PUBLISH", STORE_COMMON);
    /** {@link #STORE_UNLESS_FINAL}, then XACK and XDEL of the deliveries settled with the records (one Redis only). */
    static final Scripts STORE_UNLESS_FINAL_ACK = of("store-unless-final-ack.lua", ScriptOutputType.MULTI, "PUBLISH", STORE_COMMON);
    /** As {@link #STORE}, announcing on shard channels (SPUBLISH), as a Redis Cluster's result buckets do (Redis 7). */
    static final Scripts STORE_SHARDED = of("store.lua", ScriptOutputType.INTEGER, "SPUBLISH", STORE_COMMON);
    static final Scripts STORE_UNLESS_FINAL_SHARDED = of("store-unless-final.lua", ScriptOutputType.MULTI, "SPUBLISH",
            STORE_COMMON);
    static final Scripts INCREMENT = of("increment.lua", ScriptOutputType.INTEGER);
    static final Scripts INCREMENT_TTL = of("increment-ttl.lua", ScriptOutputType.INTEGER);
    static final Scripts PUT_IF_ABSENT = of("put-if-absent.lua", ScriptOutputType.VALUE);
    static final Scripts DEAD_LETTER_TAKE = of("dead-letter-take.lua", ScriptOutputType.INTEGER);
    static final Scripts HEARTBEAT = of("heartbeat.lua", ScriptOutputType.INTEGER);
    static final Scripts HEARTBEAT_REMOVE = of("heartbeat-remove.lua", ScriptOutputType.INTEGER);

    private final String name;
    private final String source;
    private final String sha;
    private final ScriptOutputType type;

    private Scripts(String name, String source, ScriptOutputType type) {
        this.name = name;
        this.source = source;
        this.type = type;
        this.sha = sha1(source);
    }

    private static Scripts of(String file, ScriptOutputType type) {
        return of(file, type, "PUBLISH", "");
    }

    /** {@code publish}: the command that announces records, PUBLISH or, to shard channels, SPUBLISH. */
    private static Scripts of(String file, ScriptOutputType type, String publish, String helpers) {
        // the helpers are local functions: prepending them to every script costs nothing
        return new Scripts(file + (publish.equals("PUBLISH") ? "" : " (sharded)"),
                "local PUBLISH = '" + publish + "'\n" + COMMON + "\n" + helpers + "\n" + load(file), type);
    }

    <T> CompletableFuture<T> run(RedisClusterAsyncCommands<String, byte[]> redis, String[] keys, byte[]... args) {
        CompletableFuture<T> first = redis.<T>evalsha(sha, type, keys, args).toCompletableFuture();
        return first.exceptionallyCompose(e -> {
            if (unwrap(e) instanceof RedisNoScriptException) {
                return redis.<T>eval(source, type, keys, args).toCompletableFuture();
            }
            return CompletableFuture.failedFuture(unwrap(e));
        });
    }

    @Override
    public String toString() {
        return name;
    }

    static Throwable unwrap(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /** Waits for a Redis reply without being interruptible, so a call that returned has been carried out. */
    static <T> T join(CompletionStage<T> reply) {
        try {
            return reply.toCompletableFuture().join();
        } catch (CompletionException e) {
            Throwable cause = unwrap(e);
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }

    private static String load(String file) {
        try (InputStream in = Scripts.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("missing script resource " + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
