package dev.amdahl.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.postgres.internal.PostgresBackendSettings;
import dev.amdahl.spi.ProviderContext;
import java.net.URI;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** When results may commit without waiting for the disk: only beside a PostgreSQL broker on the same server. */
@Timeout(10)
class BesideBrokerTest {

    private static final PostgresBackendSettings BACKEND =
            PostgresBackendSettings.parse(URI.create("postgres://app@db.example:5432/appdb?schema=results"));

    private static boolean beside(String brokerUrl) {
        ProviderContext context = new ProviderContext(Clock.systemUTC());
        return PostgresResultBackendProvider.besideBroker(BACKEND,
                brokerUrl == null ? context : context.withBroker(URI.create(brokerUrl)));
    }

    @Test
    void aBrokerOnTheSameServerIsBeside() {
        assertThat(beside("postgres://app@db.example:5432/appdb?schema=results")).isTrue();
        assertThat(beside("postgresql://other:pw@db.example:5432/otherdb?schema=queue")).isTrue();   // one cluster, one log
    }

    @Test
    void anyOtherBrokerIsNot() {
        assertThat(beside(null)).isFalse();
        assertThat(beside("redis://db.example:6379")).isFalse();
        assertThat(beside("postgres://app@db.example:5433/appdb")).isFalse();
        assertThat(beside("postgres://app@replica.example:5432/appdb")).isFalse();
        assertThat(beside("postgres://app@db.example:5432/appdb?no-such-option=1")).isFalse();
    }
}
