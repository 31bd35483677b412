package dev.amdahl.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.redis.internal.RedisSettings;
import io.lettuce.core.RedisCredentials;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisSettingsTest {

    private static RedisCredentials credentials(RedisSettings s) {
        return s.redisUri().getCredentialsProvider().resolveCredentials().block();
    }

    @Test
    void aPortThatIsNotANumberIsNamedNotTakenForAMissingHost() {
        // issue 13, item 10: java.net.URI drops the host when the port does not parse
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis://:pw@127.0.0.1:notaport")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the port of the Redis URL is not a number: 'notaport' in redis://:****@127.0.0.1:notaport"
                        + " (write redis://host:6379)");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis:/127.0.0.1:6379")))
                .hasMessageStartingWith("the Redis URL names no host: redis:/127.0.0.1:6379");
    }

    @Test
    void defaults() {
        RedisSettings s = RedisSettings.parse(URI.create("redis://127.0.0.1"));

        assertThat(s.redisUri().getPort()).isEqualTo(6379);
        assertThat(s.database()).isZero();
        assertThat(s.prefix()).isEqualTo("amdahl");
        assertThat(s.visibilityTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.maxDeliveries()).isEqualTo(5);
        assertThat(s.resultTtl()).isEqualTo(Duration.ofDays(1));
        assertThat(s.priorityLevels()).isEqualTo(3);
        assertThat(s.redisUri().isSsl()).isFalse();
    }

    @Test
    void everyPartOfTheUrl() {
        RedisSettings s = RedisSettings.parse(URI.create(
                "rediss://alice:s%40cret@redis.example:6380/3?prefix=app1&visibility-timeout=90s&max-deliveries=7"
                        + "&result-ttl=2h&priority-levels=10&timeout=PT5S"));

        assertThat(s.redisUri().isSsl()).isTrue();
        assertThat(s.redisUri().getHost()).isEqualTo("redis.example");
        assertThat(s.redisUri().getPort()).isEqualTo(6380);
        assertThat(credentials(s).getUsername()).isEqualTo("alice");
        assertThat(new String(credentials(s).getPassword())).isEqualTo("s@cret");
        assertThat(s.database()).isEqualTo(3);
        assertThat(s.prefix()).isEqualTo("app1");
        assertThat(s.visibilityTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(s.maxDeliveries()).isEqualTo(7);
        assertThat(s.resultTtl()).isEqualTo(Duration.ofHours(2));
        assertThat(s.priorityLevels()).isEqualTo(10);
        assertThat(s.commandTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aPasswordWithoutUser() {
        RedisSettings s = RedisSettings.parse(URI.create("redis://:pw@localhost"));

        assertThat(new String(credentials(s).getPassword())).isEqualTo("pw");
        assertThat(credentials(s).getUsername()).isNull();
    }

    @Test
    void priorityLevelsSpreadZeroToNine() {
        RedisSettings s = RedisSettings.parse(URI.create("redis://localhost"));

        assertThat(new int[]{s.levelOf(0), s.levelOf(3), s.levelOf(4), s.levelOf(6), s.levelOf(7), s.levelOf(9)})
                .containsExactly(0, 0, 1, 1, 2, 2);
    }

    @Test
    void mistakesAreNamed() {
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis://localhost?visibilty-timeout=5s")))
                .hasMessageContaining("unknown Redis URL option 'visibilty-timeout'");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis://localhost?visibility-timeout=soon")))
                .hasMessageContaining("visibility-timeout must be a duration");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis://localhost/abc")))
                .hasMessageContaining("database number");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis://localhost?max-deliveries=0")))
                .hasMessageContaining("max-deliveries must be a whole number from 1");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("http://localhost")))
                .hasMessageContaining("not a Redis URL");
    }

    @Test
    void passwordsStayOutOfMessages() {
        assertThat(RedisSettings.redact(URI.create("redis://alice:secret@host:1/0"))).isEqualTo("redis://alice:****@host:1/0");
        for (String bad : new String[] {"redis://:s3cret@host:1/x", "redis://alice:s3cret@host:1/0?nope=1", "redis://s3cret@host:1/0?timeout=0",
                "redis://:s3cret@host:1/0?ca-file=/etc/hostname", "http://:s3cret@host:1/0"}) {
            assertThatThrownBy(() -> RedisSettings.parse(URI.create(bad))).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).message().doesNotContain("s3cret");
        }
    }

    @Test
    void theSettingsShowNoPassword() {
        RedisSettings s = RedisSettings.parse(URI.create("rediss://alice:s3cret@host:1/2?prefix=p"));

        assertThat(s.toString()).contains("rediss://host:1/2", "prefix=p").doesNotContain("s3cret").doesNotContain("alice");
        assertThat(s.redisUri().toString()).doesNotContain("s3cret");
    }

    @Test
    void tlsOptionsAreReadForRedissAndRefusedForRedis(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path ca = java.nio.file.Files.writeString(dir.resolve("ca.crt"), "pem");
        java.nio.file.Path cert = java.nio.file.Files.writeString(dir.resolve("c.crt"), "pem");
        java.nio.file.Path key = java.nio.file.Files.writeString(dir.resolve("c.key"), "pem");

        RedisSettings s = RedisSettings.parse(URI.create("rediss://h:1?ca-file=" + ca + "&cert-file=" + cert + "&key-file=" + key
                + "&verify-peer=ca"));

        assertThat(s.tls()).isEqualTo(new RedisSettings.TlsFiles(ca, cert, key, io.lettuce.core.SslVerifyMode.CA));
        assertThat(s.redisUri().isSsl()).isTrue();
        assertThat(s.redisUri().getVerifyMode()).isEqualTo(io.lettuce.core.SslVerifyMode.CA);
        assertThat(RedisSettings.parse(URI.create("rediss://h:1")).tls())
                .isEqualTo(new RedisSettings.TlsFiles(null, null, null, io.lettuce.core.SslVerifyMode.FULL));
        assertThat(RedisSettings.parse(URI.create("redis://h:1")).tls()).isNull();
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis://h:1?ca-file=" + ca)))
                .hasMessageContaining("ca-file is a TLS option: use a rediss:// URL");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("rediss://h:1?cert-file=" + cert)))
                .hasMessageContaining("cert-file and key-file go together");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("rediss://h:1?ca-file=" + dir.resolve("none"))))
                .hasMessageContaining("ca-file " + dir.resolve("none") + " is not a file this process can read");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("rediss://h:1?verify-peer=sometimes")))
                .hasMessageContaining("verify-peer must be full, ca or none");
    }

    @Test
    void aClusterUrlNamesItsSeedNodesAndItsCredentialsGoToEach() {
        RedisSettings s = RedisSettings.parse(URI.create(
                "redis-cluster://alice:s%40cret@10.0.0.1:7000,10.0.0.2:7001,node-3:7002/?prefix=app&partitions=4&timeout=3s"));

        assertThat(s.cluster()).isTrue();
        assertThat(s.clusterNodes()).extracting(io.lettuce.core.RedisURI::getHost).containsExactly("10.0.0.1", "10.0.0.2", "node-3");
        assertThat(s.clusterNodes()).extracting(io.lettuce.core.RedisURI::getPort).containsExactly(7000, 7001, 7002);
        assertThat(s.clusterNodes()).allSatisfy(node -> {
            RedisCredentials c = node.getCredentialsProvider().resolveCredentials().block();
            assertThat(c.getUsername()).isEqualTo("alice");
            assertThat(new String(c.getPassword())).isEqualTo("s@cret");
            assertThat(node.getTimeout()).isEqualTo(Duration.ofSeconds(3));
        });
        assertThat(s.partitions()).isEqualTo(4);
        assertThat(s.prefix()).isEqualTo("app");
        assertThat(s.toString()).contains("redis-cluster://10.0.0.1:7000,10.0.0.2:7001,node-3:7002/", "partitions=4")
                .doesNotContain("s@cret").doesNotContain("alice");
        assertThat(RedisSettings.parse(URI.create("rediss-cluster://h:7000")).redisUri().isSsl()).isTrue();
        assertThat(RedisSettings.parse(URI.create("redis-cluster://h")).redisUri().getPort()).isEqualTo(6379);
        assertThat(RedisSettings.parse(URI.create("redis://h")).cluster()).isFalse();
        assertThat(RedisSettings.parse(URI.create("redis://h")).partitions()).isEqualTo(1);
    }

    @Test
    void clusterMistakesAreNamed() {
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis-cluster://h:7000/3")))
                .hasMessageContaining("a Redis Cluster has database 0 only");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis-cluster://h:7000,h:port")))
                .hasMessageContaining("the port of node 'h:port'");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis-cluster://h:7000,:7001")))
                .hasMessageContaining("names no host");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis-cluster://h:7000?partitions=0")))
                .hasMessageContaining("partitions");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis://h:6379?partitions=3")))
                .hasMessageContaining("use a redis-cluster:// URL");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis-cluster://:s3cret@h:7000,h:x")))
                .message().doesNotContain("s3cret");
    }
}
