package dev.amdahl.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class PostgresSettingsTest {

    private static PostgresSettings parse(String url) {
        return PostgresSettings.parse(URI.create(url));
    }

    @Test
    void theUrlBecomesAJdbcUrlWithTheSslOptionsPassedThrough() {
        PostgresSettings s = parse("postgresql://app:s%40cret@db.example:5433/orders?schema=jobs&pool=8"
                + "&visibility-timeout=30s&max-deliveries=7&sslmode=verify-full&sslrootcert=/etc/ca.pem");
        assertThat(s.jdbcUrl()).startsWith("jdbc:postgresql://db.example:5433/orders?")
                .contains("sslmode=verify-full").contains("sslrootcert=%2Fetc%2Fca.pem");
        assertThat(s.user()).isEqualTo("app");
        assertThat(s.password()).isEqualTo("s@cret");
        assertThat(s.schema()).isEqualTo("jobs");
        assertThat(s.pool()).isEqualTo(8);
        assertThat(s.visibilityTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.maxDeliveries()).isEqualTo(7);
    }

    @Test
    void defaults() {
        PostgresSettings s = parse("postgres://127.0.0.1/test");
        assertThat(s.jdbcUrl()).startsWith("jdbc:postgresql://127.0.0.1:5432/test?");
        assertThat(s.schema()).isEqualTo("amdahl");
        assertThat(s.user()).isNull();
        assertThat(s.visibilityTimeout()).isEqualTo(PostgresSettings.DEFAULT_VISIBILITY_TIMEOUT);
        assertThat(s.maxDeliveries()).isEqualTo(PostgresSettings.DEFAULT_MAX_DELIVERIES);
    }

    @Test
    void whatIsWrongIsNamed() {
        assertThatThrownBy(() -> parse("postgres://h/")).hasMessageContaining("the database");
        assertThatThrownBy(() -> parse("postgres://h/db?schema=Drop;Table")).hasMessageContaining("schema must be");
        assertThatThrownBy(() -> parse("postgres://h/db?poll=3")).hasMessageContaining("unknown PostgreSQL URL option 'poll'");
        assertThatThrownBy(() -> parse("mysql://h/db")).hasMessageContaining("not a PostgreSQL URL");
    }

    @Test
    void thePasswordIsNeverShown() {
        assertThat(parse("postgres://u:secret@h/db").toString()).doesNotContain("secret");
        assertThatThrownBy(() -> parse("postgres://u:secret@h/")).hasMessageNotContaining("secret");
    }
}
