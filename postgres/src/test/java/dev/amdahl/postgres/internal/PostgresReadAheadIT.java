package dev.amdahl.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.TaskState;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.RecordsReadAhead.ReadAhead;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.testkit.MutableClock;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the PostgreSQL claim reads ahead beyond the kit's case: expiry judged by the backend's clock as its reads judge
 * it, a redelivery's claim with a read of its own, bytes that are not a record left to the worker's own read, and a
 * broker that reads one backend's table only.
 */
@Timeout(60)
class PostgresReadAheadIT {

    private static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String QUEUE = "q";
    private final String schema = newSchema();
    private final List<String> schemas = new ArrayList<>(List.of(schema));

    private static String newSchema() {
        return "amdahl_readahead_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    @AfterEach
    void drop() throws SQLException {
        try (Connection c = DriverManager.getConnection(JDBC, "root", null); Statement s = c.createStatement()) {
            for (String name : schemas) {
                s.execute("drop schema if exists " + name + " cascade");
            }
        }
    }

    private static URI url(String schema, String options) {
        return URI.create("postgres://root@127.0.0.1:5432/test?schema=" + schema + (options.isEmpty() ? "" : "&" + options));
    }

    private PostgresBroker broker(Clock clock) {
        return new PostgresBroker(PostgresSettings.parse(url(schema, "visibility-timeout=10s")), clock);
    }

    private PostgresResultBackend backend(String schema, Clock clock) {
        return new PostgresResultBackend(PostgresBackendSettings.parse(url(schema, "result-ttl=1m&cleanup-interval=1h")), clock);
    }

    private static TaskRecord success(String id) {
        return new TaskRecord(id, "t", TaskState.SUCCESS, "1", null, 0, null, null, null, 0);
    }

    private static void publish(PostgresBroker broker, String... ids) {
        List<OutboundMessage> messages = new ArrayList<>();
        for (String id : ids) {
            messages.add(OutboundMessage.of(id, ("body of " + id).getBytes(StandardCharsets.UTF_8)));
        }
        broker.publishAll(QUEUE, messages);
    }

    private static List<Delivery> pollAll(PostgresBroker broker, int n) throws InterruptedException {
        List<Delivery> got = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (got.size() < n && System.nanoTime() < deadline) {
            got.addAll(broker.poll(List.of(QUEUE), n - got.size(), Duration.ofSeconds(1)));
        }
        assertThat(got).hasSize(n);
        return got;
    }

    @Test
    void aRecordPastItsExpiryByTheBackendsClockIsReadAsAbsentAsGetAllReadsIt() throws Exception {
        MutableClock backendClock = new MutableClock(Instant.now());
        try (PostgresBroker broker = broker(Clock.systemUTC()); PostgresResultBackend backend = backend(schema, backendClock)) {
            assertThat(backend.readsAheadFor(broker)).isTrue();
            backend.store(success("expired"));
            backendClock.advance(Duration.ofMinutes(2));   // past the result TTL of a minute, by the backend's clock only
            backend.store(success("live"));
            publish(broker, "expired", "live", "none");

            ReadAhead ahead = backend.readAhead(pollAll(broker, 3));

            assertThat(ahead.read()).containsExactlyInAnyOrder("expired", "live", "none");
            assertThat(ahead.records()).containsOnlyKeys("live");
            assertThat(ahead.records()).isEqualTo(backend.getAll(List.of("expired", "live", "none")));
        }
    }

    @Test
    void aRecordThatExpiresAfterTheClaimIsAbsentWhenTheWorkerAsks() throws Exception {
        MutableClock backendClock = new MutableClock(Instant.now());
        try (PostgresBroker broker = broker(Clock.systemUTC()); PostgresResultBackend backend = backend(schema, backendClock)) {
            assertThat(backend.readsAheadFor(broker)).isTrue();
            backend.store(success("t"));
            publish(broker, "t");
            List<Delivery> batch = pollAll(broker, 1);
            assertThat(backend.readAhead(batch).records()).containsOnlyKeys("t");

            backendClock.advance(Duration.ofMinutes(2));

            ReadAhead ahead = backend.readAhead(batch);
            assertThat(ahead.read()).containsExactly("t");
            assertThat(ahead.records()).isEmpty();
        }
    }

    @Test
    void aRedeliveryCarriesTheReadOfItsOwnClaimAndTheFirstDeliveryKeepsItsOwn() throws Exception {
        MutableClock brokerClock = new MutableClock(Instant.now());
        try (PostgresBroker broker = broker(brokerClock); PostgresResultBackend backend = backend(schema, Clock.systemUTC())) {
            assertThat(backend.readsAheadFor(broker)).isTrue();
            publish(broker, "t");
            List<Delivery> first = pollAll(broker, 1);
            assertThat(backend.readAhead(first).read()).containsExactly("t");
            assertThat(backend.readAhead(first).records()).isEmpty();

            backend.store(success("t"));   // the first consumer's outcome, stored; its ack never comes
            brokerClock.advance(Duration.ofSeconds(11));   // its lease lapses
            List<Delivery> again = pollAll(broker, 1);

            assertThat(again.get(0).deliveryCount()).isEqualTo(2);
            ReadAhead ahead = backend.readAhead(again);
            assertThat(ahead.read()).containsExactly("t");
            assertThat(ahead.records()).isEqualTo(Map.of("t", success("t")));
            assertThat(backend.readAhead(first).records()).isEmpty();
        }
    }

    @Test
    void bytesThatAreNotTheRowsRecordAreLeftForTheWorkersOwnRead() throws Exception {
        try (PostgresBroker broker = broker(Clock.systemUTC()); PostgresResultBackend backend = backend(schema, Clock.systemUTC())) {
            assertThat(backend.readsAheadFor(broker)).isTrue();
            backend.store(success("other"));
            try (Connection c = DriverManager.getConnection(JDBC, "root", null);
                 PreparedStatement s = c.prepareStatement("insert into " + schema + ".results (task_id, state, record,"
                         + " expires_at, writer) values (?, 'SUCCESS', ?, ?, gen_random_uuid())")) {
                Timestamp later = Timestamp.from(Instant.now().plus(Duration.ofHours(1)));
                s.setString(1, "garbage");
                s.setBytes(2, "not a record".getBytes(StandardCharsets.UTF_8));
                s.setTimestamp(3, later);
                s.executeUpdate();
                s.setString(1, "stolen");   // another task's record under this task's id
                s.setBytes(2, success("other").toBytes());
                s.executeUpdate();
            }
            publish(broker, "garbage", "stolen", "other");

            ReadAhead ahead = backend.readAhead(pollAll(broker, 3));

            assertThat(ahead.read()).containsExactly("other");
            assertThat(ahead.records()).isEqualTo(Map.of("other", success("other")));
        }
    }

    @Test
    void aBrokerReadsTheTableOfTheFirstBackendThatAskedOnlyAndNoneBeforeOneAsks() throws Exception {
        String elsewhere = newSchema();
        schemas.add(elsewhere);
        try (PostgresBroker broker = broker(Clock.systemUTC()); PostgresResultBackend backend = backend(schema, Clock.systemUTC());
             PostgresResultBackend other = backend(elsewhere, Clock.systemUTC())) {
            backend.store(success("t"));
            publish(broker, "t");
            List<Delivery> before = pollAll(broker, 1);
            assertThat(backend.readAhead(before)).isEqualTo(ReadAhead.none());
            broker.ackAll(before);

            assertThat(other.readsAheadFor(broker)).isTrue();
            assertThat(backend.readsAheadFor(broker)).isFalse();
            assertThat(other.readsAheadFor(broker)).isTrue();
            publish(broker, "t");
            List<Delivery> after = pollAll(broker, 1);

            assertThat(backend.readAhead(after)).isEqualTo(ReadAhead.none());
            assertThat(other.readAhead(after).read()).isEqualTo(Set.of("t"));
            assertThat(other.readAhead(after).records()).isEmpty();
        }
    }
}
