/**
 * Redis broker and result backend for Amdahl, found by URL scheme ({@code redis://}, {@code rediss://},
 * {@code redis-cluster://}, {@code rediss-cluster://})
 * through {@link java.util.ServiceLoader}. The providers are the only public types; everything else lives
 * in {@code dev.amdahl.redis.internal} and may change in any release. See the module README for the data
 * layout in Redis and the delivery guarantees.
 */
package dev.amdahl.redis;
