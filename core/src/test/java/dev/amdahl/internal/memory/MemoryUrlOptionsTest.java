package dev.amdahl.internal.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amdahl.Amdahl;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ProviderContext;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code memory://} takes the lease, delivery limit and result lifetime as URL options, and refuses a typo. */
class MemoryUrlOptionsTest {

    @Test
    void theBrokerTakesItsVisibilityTimeoutAndDeliveryLimitFromTheUrl() {
        try (Broker broker = new MemoryProvider().open(URI.create("memory:///?visibility-timeout=3s&max-deliveries=2"),
                ProviderContext.ofDefaults())) {
            assertEquals(java.util.Optional.of(Duration.ofSeconds(3)), broker.visibilityTimeout());
        }
    }

    @Test
    void oneUrlConfiguresBothTheBrokerAndTheBackendOfAnApplication() {
        try (Amdahl app = Amdahl.builder().broker("memory://?visibility-timeout=5s&result-ttl=1h").build()) {
            assertEquals(java.util.Optional.of(Duration.ofSeconds(5)), app.broker().visibilityTimeout());
        }
    }

    @Test
    void anUnknownOptionIsRefusedWithTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Amdahl.builder().broker("memory://?visibilty-timeout=5s").build());
        assertTrue(e.getMessage().contains("unknown embedded broker URL option 'visibilty-timeout'"), e.getMessage());
        assertTrue(e.getMessage().contains("max-deliveries, result-ttl, visibility-timeout"), e.getMessage());
    }

    @Test
    void aValueThatDoesNotParseNamesItsOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Amdahl.builder().broker("memory://?result-ttl=soon").build());
        assertTrue(e.getMessage().contains("result-ttl must be a duration"), e.getMessage());
    }

    @Test
    void anOptionGivenTwiceIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Amdahl.builder().broker("memory://?max-deliveries=2&max-deliveries=9").build());
        assertTrue(e.getMessage().contains("'max-deliveries' is given twice"), e.getMessage());
    }
}
