package dev.amdahl.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The framing of batch notices: one PUBLISH for a batch of records, split again by every subscriber. */
@Timeout(10)
class RedisNoticesTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aBatchNoticeSplitsIntoTheNoticesItWasMadeOf() {
        List<byte[]> notices = List.of(bytes("RSUCCESS {\"id\":\"a\"}"), bytes("Ib"), bytes("RFAILURE {}"));

        byte[] batch = RedisResultBackend.batchNotice(notices);

        assertThat(batch[0]).isEqualTo((byte) 'B');
        assertThat(RedisResultBackend.notices(batch)).containsExactlyElementsOf(notices);
    }

    @Test
    void oneNoticeTravelsAsItIsAndNoneAsNothing() {
        byte[] one = bytes("RSUCCESS {}");

        assertThat(RedisResultBackend.batchNotice(List.of(one))).isSameAs(one);
        assertThat(RedisResultBackend.batchNotice(List.of())).isEmpty();
        assertThat(RedisResultBackend.notices(one)).containsExactly(one);
    }

    @Test
    void aBatchWhoseLengthRunsPastItsEndIsRejectedWhole() {
        byte[] batch = RedisResultBackend.batchNotice(List.of(bytes("Ia"), bytes("Ibc")));

        assertThat(RedisResultBackend.notices(java.util.Arrays.copyOf(batch, batch.length - 1))).isNull();
        assertThat(RedisResultBackend.notices(java.util.Arrays.copyOf(batch, 3))).isNull();
        byte[] negative = batch.clone();
        negative[1] = (byte) 0xff;
        assertThat(RedisResultBackend.notices(negative)).isNull();
    }
}
