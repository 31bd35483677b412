package dev.amdahl.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that tests move by hand, so that expiry, delays and windows are checked without waiting.
 *
 * <pre>{@code
 * MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
 * Broker broker = new MemoryBroker(clock);
 * broker.publish("tiles", new OutboundMessage("later", body, 0, clock.instant().plusSeconds(60)));
 * clock.advance(Duration.ofSeconds(60));   // due now: the next poll delivers it
 * }</pre>
 *
 * <p>It is always in UTC; {@link #withZone} returns this same clock, so a zone set elsewhere never
 * detaches a copy from the time the test moves.
 */
public final class MutableClock extends Clock {

    private final AtomicReference<Instant> now;

    public MutableClock(Instant start) {
        this.now = new AtomicReference<>(start);
    }

    public void advance(Duration d) {
        now.updateAndGet(t -> t.plus(d));
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
