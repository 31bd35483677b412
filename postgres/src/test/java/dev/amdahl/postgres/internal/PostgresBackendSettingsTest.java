package dev.amdahl.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class PostgresBackendSettingsTest {

    @Test
    void oneUrlNamesTheBrokerAndTheBackend() {
        URI url = URI.create("postgres://app@db/orders?schema=jobs&visibility-timeout=30s&result-ttl=2h&cleanup-interval=30s");
        PostgresBackendSettings s = PostgresBackendSettings.parse(url);
        assertThat(s.resultTtl()).isEqualTo(Duration.ofHours(2));
        assertThat(s.cleanupInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.connection().schema()).isEqualTo("jobs");
        assertThat(PostgresSettings.parse(url).visibilityTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void defaults() {
        PostgresBackendSettings s = PostgresBackendSettings.parse(URI.create("postgresql://127.0.0.1/test"));
        assertThat(s.resultTtl()).isEqualTo(PostgresBackendSettings.DEFAULT_RESULT_TTL);
        assertThat(s.cleanupInterval()).isEqualTo(PostgresBackendSettings.DEFAULT_CLEANUP_INTERVAL);
    }

    @Test
    void whatIsWrongIsNamed() {
        assertThatThrownBy(() -> PostgresBackendSettings.parse(URI.create("postgres://h/db?result-ttl=soon")))
                .hasMessageContaining("result-ttl");
        assertThatThrownBy(() -> PostgresBackendSettings.parse(URI.create("postgres://h/db?cleanup-interval=1ms")))
                .hasMessageContaining("cleanup-interval must be at least 100ms");
        assertThatThrownBy(() -> PostgresBackendSettings.parse(URI.create("postgres://u:secret@h/db?result-ttl=0s")))
                .hasMessageContaining("result-ttl").hasMessageNotContaining("secret");
    }
}
