package dev.amdahl.postgres;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.Amdahl;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The module has a broker and no result backend yet: an application that names none is told to take one elsewhere. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class PostgresBrokerOnlyIT {

    private final String schema = PostgresTestSupport.newSchema("broker_only");

    @AfterEach
    void drop() throws Exception {
        PostgresTestSupport.dropSchema(schema);
    }

    @Test
    void anApplicationWithoutAResultBackendIsToldToTakeOneFromAnotherModule() {
        String url = PostgresTestSupport.url(schema, "").toString();
        assertThatThrownBy(() -> Amdahl.builder().broker(url).build().close())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keeps no results")
                .hasMessageContaining("the module of postgres:// is there but provides no result backend")
                .hasMessageNotContaining("add the module");
    }
}
