package dev.amdahl.scaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AmdahlLawTest {

    private final AmdahlLaw book = AmdahlLaw.ofParallelFraction(0.99);

    /** The book's example: a 100 s job, 99 % parallel. */
    @ParameterizedTest
    @CsvSource({
        "1,    1.00, 100.00",
        "10,   9.17,  10.90",
        "100,  50.25,  1.99",
        "1000, 90.99,  1.099",
    })
    void booksNumbers(int n, double speedup, double seconds) {
        assertThat(book.speedup(n)).isCloseTo(speedup, within(0.005));
        assertThat(book.time(100.0, n)).isCloseTo(seconds, within(0.0005));
        assertThat(book.efficiency(n)).isCloseTo(book.speedup(n) / n, within(1e-12));
    }

    @Test
    void roundedAsTheBookRoundsThem() {
        assertThat(book.speedup(10)).isCloseTo(9.2, within(0.05));
        assertThat(book.speedup(100)).isCloseTo(50, within(0.5));
        assertThat(book.speedup(1000)).isCloseTo(91, within(0.5));
    }

    @Test
    void neverMoreThanOneOverS() {
        assertThat(book.limit()).isCloseTo(100.0, within(1e-9));
        for (int n = 1; n <= 1 << 20; n *= 2) {
            assertThat(book.speedup(n)).isLessThan(100.0);
        }
        assertThat(book.speedup(1e12)).isCloseTo(100.0, within(1e-6));
    }

    @Test
    void noSerialPartScalesPerfectlyWithoutLimit() {
        AmdahlLaw perfect = AmdahlLaw.ofSerialFraction(0.0);
        assertThat(perfect.speedup(64)).isEqualTo(64.0);
        assertThat(perfect.efficiency(64)).isEqualTo(1.0);
        assertThat(perfect.limit()).isInfinite();
    }

    @Test
    void allSerialNeverSpeedsUp() {
        AmdahlLaw serial = AmdahlLaw.ofSerialFraction(1.0);
        assertThat(serial.speedup(1000)).isEqualTo(1.0);
        assertThat(serial.limit()).isEqualTo(1.0);
        assertThat(serial.scaledSpeedup(1000)).isEqualTo(1.0);
    }

    @ParameterizedTest
    @CsvSource({
        "0.01, 1,    1.0",
        "0.01, 10,   9.91",
        "0.01, 100,  99.01",
        "0.01, 1000, 990.01",
        "0.2,  8,    6.6",
        "0.0,  32,   32.0",
    })
    void gustafsonScaledSpeedup(double s, int n, double expected) {
        AmdahlLaw law = AmdahlLaw.ofSerialFraction(s);
        assertThat(law.scaledSpeedup(n)).isCloseTo(expected, within(1e-9));
        assertThat(law.scaledSpeedup(n)).isCloseTo(n - s * (n - 1), within(1e-12));
    }

    @Test
    void serialAndParallelFractionsAreComplements() {
        assertThat(AmdahlLaw.ofSerialFraction(0.25).parallelFraction()).isEqualTo(0.75);
        assertThat(AmdahlLaw.ofParallelFraction(0.75).serialFraction()).isEqualTo(0.25);
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.01, 1.01, Double.NaN, Double.POSITIVE_INFINITY})
    void rejectsFractionsOutsideZeroToOne(double fraction) {
        assertThatThrownBy(() -> AmdahlLaw.ofParallelFraction(fraction))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("parallel fraction P must be in [0, 1]");
        assertThatThrownBy(() -> AmdahlLaw.ofSerialFraction(fraction))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("serial fraction S must be in [0, 1]");
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.5, -3, Double.NaN})
    void rejectsFewerThanOneWorker(double n) {
        assertThatThrownBy(() -> book.speedup(n))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("worker count n must be at least 1");
        assertThatThrownBy(() -> book.scaledSpeedup(n)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, -100.0, Double.NaN})
    void rejectsNonPositiveSerialTime(double t1) {
        assertThatThrownBy(() -> book.time(t1, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("T(1) must be a positive number of seconds");
    }
}
