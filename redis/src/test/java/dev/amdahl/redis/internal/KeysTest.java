package dev.amdahl.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.SlotHash;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KeysTest {

    private static Keys keys(String url) {
        return new Keys(RedisSettings.parse(URI.create(url)));
    }

    @Test
    void oneRedisKeepsTheUntaggedLayout() {
        Keys k = keys("redis://h/2?prefix=app");

        assertThat(k.queueKeys("orders")).containsExactly("app:q:orders:delayed", "app:q:orders:dead", "app:q:orders:2",
                "app:q:orders:1", "app:q:orders:0");
        assertThat(k.result("t1")).isEqualTo("app:r:t1");
        assertThat(k.readyChannel(k.bucket("t1"))).isEqualTo("app:2:ready");
        assertThat(k.revocations(0)).isEqualTo("app:revoked");
        assertThat(k.heartbeat("w")).isEqualTo("app:w:w");
        assertThat(k.buckets()).isEqualTo(1);
    }

    @Test
    void everyScriptsKeysShareASlotOnACluster() {
        Keys k = keys("redis-cluster://h:7000?prefix=app&partitions=3");

        List<Keys.Shard> shards = k.shards("orders");
        assertThat(shards).hasSize(3);
        Set<Integer> slots = new HashSet<>();
        for (Keys.Shard s : shards) {
            Set<Integer> own = new HashSet<>();
            k.queueKeys(s).forEach(key -> own.add(SlotHash.getSlot(key)));
            assertThat(own).as("the keys of %s", s).hasSize(1);
            slots.addAll(own);
            assertThat(k.shardOfStream("orders", s.stream(1))).isEqualTo(s);
            assertThat(Keys.deadBeside(s.stream(1))).isEqualTo(s.dead());
        }
        // one partition in each third of the slots: on a 3-master cluster made by redis-cli, one on each master
        assertThat(slots).hasSize(3).allSatisfy(slot -> assertThat(slot / (SlotHash.SLOT_COUNT / 3)).isBetween(0, 2));
        assertThat(slots.stream().map(slot -> slot * 3 / SlotHash.SLOT_COUNT).distinct()).hasSize(3);

        String taskId = "task-42";
        int bucket = k.bucket(taskId);
        assertThat(SlotHash.getSlot(k.result(taskId))).isEqualTo(SlotHash.getSlot(k.revocations(bucket)))
                .isEqualTo(SlotHash.getSlot(k.readyChannel(bucket))).isEqualTo(SlotHash.getSlot(k.updateChannel(bucket)));
        assertThat(SlotHash.getSlot(k.heartbeat("w1"))).isEqualTo(SlotHash.getSlot(k.workers()));
    }

    @Test
    void resultBucketsFallInEvenlySpacedSlots() {
        String[] tags = Keys.spreadTags("r", Keys.RESULT_BUCKETS);
        int width = SlotHash.SLOT_COUNT / Keys.RESULT_BUCKETS;
        for (int b = 0; b < tags.length; b++) {
            assertThat(SlotHash.getSlot("{" + tags[b] + "}") / width).as("bucket %d", b).isEqualTo(b);
        }
    }

    @Test
    void aQueueNameWithBracesStillGetsItsPartitionsWithoutSearchingForever() {
        Keys k = keys("redis-cluster://h:7000?partitions=2");

        assertThat(k.shards("a}b")).hasSize(2);
    }
}
