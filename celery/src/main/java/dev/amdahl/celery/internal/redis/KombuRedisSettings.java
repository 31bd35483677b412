package dev.amdahl.celery.internal.redis;

import dev.amdahl.spi.UrlMasking;
import dev.amdahl.spi.UrlOptions;
import io.lettuce.core.RedisURI;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * The settings of a Celery Redis URL:
 * <pre>{@code redis://[user:password@]host[:port][/db][?visibility-timeout=3600s&max-deliveries=5&result-expires=1d]}</pre>
 *
 * @param visibilityTimeout kombu's {@code visibility_timeout}: how long a delivery stays in {@code unacked} before any
 *                          worker, Java or Python, restores it to its queue; Celery's default is an hour. Give Java and
 *                          Python workers the same value
 * @param maxDeliveries     how many deliveries to Java workers a message gets before it is dead-lettered (kombu counts
 *                          none; see the README)
 * @param resultExpires     Celery's {@code result_expires}: how long a result key lives (a day by default)
 */
public record KombuRedisSettings(RedisURI redisUri, Duration visibilityTimeout, int maxDeliveries, Duration resultExpires) {

    public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofHours(1);
    public static final int DEFAULT_MAX_DELIVERIES = 5;
    public static final Duration DEFAULT_RESULT_EXPIRES = Duration.ofDays(1);
    private static final Set<String> OPTIONS = Set.of("visibility-timeout", "max-deliveries", "result-expires", "timeout");

    /** @throws IllegalArgumentException naming what is wrong in the URL, password masked */
    public static KombuRedisSettings parse(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("redis") && !scheme.equals("rediss")) {
            throw new IllegalArgumentException("not a Redis URL (redis:// or rediss://): " + UrlMasking.mask(uri));
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("the Redis URL names no host: " + UrlMasking.mask(uri));
        }
        UrlOptions options = UrlOptions.parse(uri, "Celery Redis", OPTIONS);
        Duration visibility = options.duration("visibility-timeout", DEFAULT_VISIBILITY_TIMEOUT, Duration.ofMillis(100));
        int maxDeliveries = options.integer("max-deliveries", DEFAULT_MAX_DELIVERIES, 1, 1_000_000);
        Duration expires = options.duration("result-expires", DEFAULT_RESULT_EXPIRES, Duration.ofSeconds(1));
        Duration timeout = options.duration("timeout", Duration.ofSeconds(10), Duration.ofMillis(1));
        int database = 0;
        String path = uri.getPath();
        if (path != null && path.length() > 1) {
            try {
                database = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the Redis URL's path must be a database number (/0 to /15), was '" + path
                        + "': " + UrlMasking.mask(uri));
            }
        }
        RedisURI.Builder b = RedisURI.builder().withHost(uri.getHost())
                .withPort(uri.getPort() == -1 ? RedisURI.DEFAULT_REDIS_PORT : uri.getPort()).withDatabase(database)
                .withSsl(scheme.equals("rediss")).withTimeout(timeout);
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            String user = colon < 0 ? "" : UrlOptions.decode(userInfo.substring(0, colon));
            String password = UrlOptions.decode(colon < 0 ? userInfo : userInfo.substring(colon + 1));
            if (user.isEmpty()) {
                b.withPassword(password.toCharArray());
            } else {
                b.withAuthentication(user, password.toCharArray());
            }
        }
        return new KombuRedisSettings(b.build(), visibility, maxDeliveries, expires);
    }
}
