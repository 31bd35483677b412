package dev.amdahl.celery.internal.control;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class PythonReprTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void writesWhatPythonsReprWritesForKombusJsonValues() throws Exception {
        assertThat(PythonRepr.of(JSON.readTree("{\"x\": [1, 2.5, null, true, false], \"y\": \"it's\"}"), 100))
                .isEqualTo("{'x': [1, 2.5, None, True, False], 'y': \"it's\"}");
        assertThat(PythonRepr.of(JSON.readTree("\"a'b\\\"c\\n\""), 100)).isEqualTo("'a\\'b\"c\\n'");
        assertThat(PythonRepr.tuple(JSON.readTree("[5]"), 100)).isEqualTo("(5,)");
        assertThat(PythonRepr.tuple(JSON.readTree("[2, 3]"), 100)).isEqualTo("(2, 3)");
        assertThat(PythonRepr.tuple(JSON.readTree("[]"), 100)).isEqualTo("()");
    }

    @Test
    void longValuesAreCutAsSafeReprCutsThem() throws Exception {
        assertThat(PythonRepr.of(JSON.readTree("\"" + "a".repeat(50) + "\""), 10)).isEqualTo("'aaaaaaaaa...");
    }

    @Test
    void theUtcOffsetIsCeleryHoursWestOfUtc() {
        Instant t = Instant.parse("2026-01-15T12:00:00Z");
        assertThat(CeleryWorkerNode.utcOffsetHoursWest(Clock.fixed(t, ZoneOffset.UTC))).isZero();
        assertThat(CeleryWorkerNode.utcOffsetHoursWest(Clock.fixed(t, ZoneId.of("Europe/Berlin")))).isEqualTo(-1);
        assertThat(CeleryWorkerNode.utcOffsetHoursWest(Clock.fixed(t, ZoneId.of("America/New_York")))).isEqualTo(5);
    }
}
