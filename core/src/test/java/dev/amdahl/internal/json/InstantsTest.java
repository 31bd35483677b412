package dev.amdahl.internal.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The fast path reads exactly what {@link Instant#parse} reads, and refuses what it refuses; the fast format writes
 * exactly what {@link Instant#toString()} writes.
 */
class InstantsTest {

    @Provide
    Arbitrary<Instant> instants() {
        // years 0 to 9999 (the canonical four-digit form) and beyond, nanoseconds of every length
        return Arbitraries.longs().between(-62_167_219_200L, 300_000_000_000L)
                .flatMap(s -> Arbitraries.integers().between(0, 999_999_999).map(n -> Instant.ofEpochSecond(s, n)));
    }

    @Property(tries = 2_000)
    void anInstantsOwnTextReadsBackAsItself(@ForAll("instants") Instant instant) {
        assertThat(Instants.parse(instant.toString())).isEqualTo(instant);
    }

    @Property(tries = 2_000)
    void formatWritesWhatToStringWrites(@ForAll("instants") Instant instant) {
        assertThat(Instants.format(instant)).isEqualTo(instant.toString());
    }

    @Property(tries = 500)
    void formatWritesWhatToStringWritesForFractionsOfEveryGroupAndTheEdges(@ForAll("fractions") Instant instant) {
        assertThat(Instants.format(instant)).isEqualTo(instant.toString());
    }

    @Provide
    Arbitrary<Instant> fractions() {
        // whole seconds, milli-, micro- and nanosecond fractions, and the first and last instants of each written year
        return Arbitraries.of(Instant.EPOCH, Instant.ofEpochSecond(-1), Instant.ofEpochSecond(-62_167_219_200L),
                        Instant.ofEpochSecond(-62_167_219_201L, 999_999_999), Instant.ofEpochSecond(253_402_300_799L, 999_999_999),
                        Instant.ofEpochSecond(253_402_300_800L), Instant.MIN, Instant.MAX.minusSeconds(1), Instant.parse("2024-02-29T23:59:59Z"))
                .flatMap(base -> Arbitraries.of(0, 1_000_000, 120_000_000, 1_000, 123_456_000, 1, 999_999_999)
                        .map(n -> base.plusNanos(n)));
    }

    @Property(tries = 2_000)
    void aTruncatedFractionReadsAsInstantParseReadsIt(@ForAll("instants") Instant instant) {
        String text = instant.toString();
        int dot = text.indexOf('.');
        if (dot > 0) {
            String shorter = text.substring(0, Math.max(dot + 2, text.length() - 3)) + "Z";
            assertThat(Instants.parse(shorter)).isEqualTo(Instant.parse(shorter));
        }
    }

    @Property(tries = 500)
    void anythingElseIsInstantParsesAnswer(@ForAll("texts") String text) {
        Instant expected;
        try {
            expected = Instant.parse(text);
        } catch (DateTimeParseException e) {
            assertThatThrownBy(() -> Instants.parse(text)).isInstanceOf(DateTimeParseException.class);
            return;
        }
        assertThat(Instants.parse(text)).isEqualTo(expected);
    }

    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.of("2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-01T24:00:00Z", "2026-12-01T23:59:60Z",
                "2026-12-01T23:60:00Z", "2026-12-01T19:17:57.Z", "2026-12-01T19:17:57.1234567890Z", "2026-12-01T19:17:57",
                "2026-12-01 19:17:57Z", "+12026-12-01T19:17:57Z", "-0001-12-01T19:17:57Z", "2026-12-01T19:17:57+01:00",
                "2O26-12-01T19:17:57Z", "2026-12-01T19:17:57.12a4Z", "2024-02-29T12:00:00.5Z", "0000-01-01T00:00:00Z", "");
    }
}
