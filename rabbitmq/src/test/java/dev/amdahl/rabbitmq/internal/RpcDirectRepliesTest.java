package dev.amdahl.rabbitmq.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RpcDirectRepliesTest {

    private static final DirectReplies.Endpoint HERE = new DirectReplies.Endpoint("127.0.0.1", 5672, "/", "guest");
    private static final DirectReplies.Endpoint ELSEWHERE = new DirectReplies.Endpoint("127.0.0.1", 5672, "other", "guest");
    private static final String ADDRESS = "amq.rabbitmq.reply-to.g1hkABNyYWJiaXRAbG9jYWxob3N0AAAJ8wAAAABnTZHx.abc==";

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theTaskIdsOfABodyAreFoundInOrderOnceEach() {
        String a = UUID.randomUUID().toString();
        String b = UUID.randomUUID().toString().toUpperCase();
        byte[] body = utf8("{\"id\":\"" + a + "\",\"workflow\":{\"link\":[{\"id\":\"" + b + "\",\"args\":\"" + a + "\"}]}}");
        assertThat(DirectReplies.taskIdsIn(body)).containsExactly(a, b);
    }

    @Test
    void whatOnlyLooksLikeAnIdIsNotOne() {
        String a = UUID.randomUUID().toString();
        assertThat(DirectReplies.taskIdsIn(utf8("ff" + a))).isEmpty();            // part of a longer hex run
        assertThat(DirectReplies.taskIdsIn(utf8(a + "0"))).isEmpty();
        assertThat(DirectReplies.taskIdsIn(utf8(a.replace('-', '_')))).isEmpty();
        assertThat(DirectReplies.taskIdsIn(utf8(a.substring(0, 35) + "g"))).isEmpty();
        assertThat(DirectReplies.taskIdsIn(utf8(a))).containsExactly(a);          // the whole body, edge to edge
        assertThat(DirectReplies.taskIdsIn(new byte[] {1, 2, 3})).isEmpty();
    }

    @Test
    void onlyADirectReplyToAddressIsTaken() {
        assertThat(DirectReplies.isReplyAddress(ADDRESS)).isTrue();
        assertThat(DirectReplies.isReplyAddress("amq.rabbitmq.reply-to")).isFalse();
        assertThat(DirectReplies.isReplyAddress("amq.rabbitmq.reply-to.")).isFalse();
        assertThat(DirectReplies.isReplyAddress("amdahl")).isFalse();             // a task queue: never written to
        assertThat(DirectReplies.isReplyAddress("amq.rabbitmq.reply-to.a b")).isFalse();
        assertThat(DirectReplies.isReplyAddress("amq.rabbitmq.reply-to." + "x".repeat(300))).isFalse();

        String id = UUID.randomUUID().toString();
        DirectReplies.delivered(HERE, id, "amdahl", utf8("{}"));
        assertThat(DirectReplies.replyAddress(HERE, id)).isNull();
    }

    @Test
    void aDeliveryGivesItsTaskAndTheStepsItNamesItsAddressUntilAnswered() {
        String task = UUID.randomUUID().toString();
        String next = UUID.randomUUID().toString();
        String other = "amq.rabbitmq.reply-to.other";
        // the later step was delivered already with its own caller: a body naming it does not take it over
        String taken = UUID.randomUUID().toString();
        DirectReplies.delivered(HERE, taken, other, utf8("{}"));

        DirectReplies.delivered(HERE, task, ADDRESS, utf8("{\"link\":[\"" + next + "\",\"" + taken + "\"]}"));
        assertThat(DirectReplies.replyAddress(HERE, task)).isEqualTo(ADDRESS);
        assertThat(DirectReplies.replyAddress(HERE, next)).isEqualTo(ADDRESS);
        assertThat(DirectReplies.replyAddress(HERE, taken)).isEqualTo(other);
        assertThat(DirectReplies.replyAddress(ELSEWHERE, task)).as("another vhost's caller").isNull();

        DirectReplies.answered(task);
        assertThat(DirectReplies.replyAddress(HERE, task)).isNull();
        assertThat(DirectReplies.replyAddress(HERE, next)).isEqualTo(ADDRESS);
        DirectReplies.answered(next);
        DirectReplies.answered(taken);
    }

    @Test
    void aDeliveryWithoutReplyToTakesBackAnAddressABodyGaveItsTask() {
        String named = UUID.randomUUID().toString();
        DirectReplies.delivered(HERE, UUID.randomUUID().toString(), ADDRESS, utf8("{\"args\":\"" + named + "\"}"));
        assertThat(DirectReplies.replyAddress(HERE, named)).isEqualTo(ADDRESS);
        // the task of that id comes from a caller that does not use rpc: its records are not the other caller's
        DirectReplies.delivered(HERE, named, null, utf8("{}"));
        assertThat(DirectReplies.replyAddress(HERE, named)).isNull();
    }

    @Test
    void theAddressesAreBounded() {
        for (int i = 0; i < DirectReplies.MAX_ADDRESSES + 10; i++) {
            DirectReplies.delivered(HERE, "bound-" + i, ADDRESS, new byte[0]);
        }
        assertThat(DirectReplies.addressCount()).isLessThanOrEqualTo(DirectReplies.MAX_ADDRESSES);
        assertThat(DirectReplies.replyAddress(HERE, "bound-0")).isNull();
        assertThat(DirectReplies.replyAddress(HERE, "bound-" + (DirectReplies.MAX_ADDRESSES + 9))).isEqualTo(ADDRESS);
    }

    @Test
    void aChordMembersMessageTellsWhichTasksFollowTheChordOnce() {
        String chord = UUID.randomUUID().toString();
        String member = UUID.randomUUID().toString();
        String callback = UUID.randomUUID().toString();
        String afterCallback = UUID.randomUUID().toString();
        // as a signed message carries it: the message nested in an envelope
        byte[] body = utf8("{\"v\":1,\"message\":{\"id\":\"" + member + "\",\"task\":\"t\",\"workflow\":{\"chord\":{\"id\":\""
                + chord + "\",\"members\":[\"" + member + "\"],\"callbacks\":[{\"id\":\"" + callback + "\",\"task\":\"sum\","
                + "\"workflow\":{\"link\":[{\"id\":\"" + afterCallback + "\",\"task\":\"next\"}]}}]}}}}");
        DirectReplies.delivered(HERE, member, ADDRESS, body);

        assertThat(DirectReplies.takeChord(ELSEWHERE, chord)).isNull();
        DirectReplies.delivered(HERE, member, ADDRESS, body);
        DirectReplies.Chord c = DirectReplies.takeChord(HERE, chord);
        assertThat(c).isNotNull();
        assertThat(c.address()).isEqualTo(ADDRESS);
        assertThat(c.after()).isEqualTo(List.of(callback, afterCallback));
        assertThat(DirectReplies.takeChord(HERE, chord)).as("once").isNull();
        DirectReplies.answered(member);
    }

    @Test
    void aMessageThatOnlyMentionsAChordIsLeftAlone() {
        String id = UUID.randomUUID().toString();
        DirectReplies.delivered(HERE, id, ADDRESS, utf8("{\"args\":\"\\\"chord\\\" is a word\", \"x\":[[[[["));
        DirectReplies.delivered(HERE, id, ADDRESS, utf8("{\"chord\":{\"id\":7}}"));
        assertThat(DirectReplies.replyAddress(HERE, id)).isEqualTo(ADDRESS);
        DirectReplies.answered(id);
    }
}
