package dev.amdahl.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Task ids are random version 4 UUIDs in UUID's own text form, each one new, across refills of a thread's buffer. */
class RandomIdsTest {

    @Test
    void idsAreVersionFourUuidsInTheirCanonicalTextAndNeverRepeat() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            String id = TaskMessage.newId();
            UUID u = UUID.fromString(id);
            assertThat(u.version()).isEqualTo(4);
            assertThat(u.variant()).isEqualTo(2);
            assertThat(u.toString()).isEqualTo(id);
            assertThat(seen.add(id)).as("id %s was made twice", id).isTrue();
        }
    }

    @Test
    void everyRandomBitVaries() {
        // the 122 random bits of a UUID each take both values over a few thousand ids; the 6 fixed ones never do
        long msbOr = 0;
        long msbAnd = -1;
        long lsbOr = 0;
        long lsbAnd = -1;
        for (int i = 0; i < 4_096; i++) {
            UUID u = UUID.fromString(TaskMessage.newId());
            msbOr |= u.getMostSignificantBits();
            msbAnd &= u.getMostSignificantBits();
            lsbOr |= u.getLeastSignificantBits();
            lsbAnd &= u.getLeastSignificantBits();
        }
        assertThat(msbOr ^ msbAnd).isEqualTo(~0xF000L);
        assertThat(lsbOr ^ lsbAnd).isEqualTo(~(0xC0L << 56));
    }
}
