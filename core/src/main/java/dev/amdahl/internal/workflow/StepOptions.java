package dev.amdahl.internal.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.SubmitOptions;
import dev.amdahl.internal.wire.TaskMessage;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The options a workflow step carries in its signature, so that a step published later, by a worker, gets
 * what a submission of the same task handle would: priority, ETA or countdown, expiry, retries, time
 * limits. They travel as the signature's {@code "options"} object:
 * {@code {"priority":9,"countdown":1.5,"eta":"…","expires_in":60,"expires":"…","max_retries":3,
 * "timelimit":[hard,soft]}} (durations in seconds, absent when not set). Relative times count from when the
 * step is published, as they count from the submission for a single task.
 *
 * <p>A signature is untrusted input like any message: {@link #read} rejects what it cannot take with a
 * reason, and the caller fails the step with it rather than publishing something it did not check.
 */
public final class StepOptions {

    /** What a signature may ask a worker to wait for or to let run: a year, as for messages. */
    private static final double MAX_SECONDS = 366 * 24 * 3600;

    private StepOptions() {
    }

    /** A step ready to publish: its message and its priority. */
    public record Step(TaskMessage message, int priority) {
    }

    /** Adds {@code options}' travelling options to {@code sig}, if any is set. */
    static void write(ObjectNode sig, SubmitOptions options) {
        ObjectNode o = sig.objectNode();
        options.priority().ifPresent(p -> o.put("priority", p));
        options.countdown().ifPresent(d -> o.put("countdown", seconds(d)));
        options.eta().ifPresent(t -> o.put("eta", t.toString()));
        options.expiresIn().ifPresent(d -> o.put("expires_in", seconds(d)));
        options.expiresAt().ifPresent(t -> o.put("expires", t.toString()));
        options.maxRetries().ifPresent(n -> o.put("max_retries", n));
        if (options.hardTimeLimit().isPresent() || options.softTimeLimit().isPresent()) {
            ArrayNode limits = o.putArray("timelimit");
            limits.add(options.hardTimeLimit().map(StepOptions::seconds).orElse(null));
            limits.add(options.softTimeLimit().map(StepOptions::seconds).orElse(null));
        }
        if (!o.isEmpty()) {
            sig.set("options", o);
        }
    }

    /**
     * The step {@code sig} describes, published at {@code now}.
     *
     * @throws IllegalArgumentException naming what is wrong with its options
     */
    public static Step read(JsonNode sig, String id, String task, JsonNode args, JsonNode workflow, Instant now) {
        JsonNode o = sig.get("options");
        SubmitOptions options = o == null || o.isNull() ? SubmitOptions.ofDefaults() : parse(o);
        return new Step(TaskMessage.of(id, task, args, workflow, options, now), options.priority().orElse(0));
    }

    private static SubmitOptions parse(JsonNode o) {
        if (!o.isObject()) {
            throw new IllegalArgumentException("\"options\" must be an object");
        }
        SubmitOptions.Builder b = SubmitOptions.builder();
        JsonNode priority = o.get("priority");
        if (priority != null) {
            if (!priority.canConvertToInt()) {
                throw new IllegalArgumentException("\"priority\" must be an integer from 0 to 9");
            }
            b.priority(priority.asInt());
        }
        JsonNode maxRetries = o.get("max_retries");
        if (maxRetries != null) {
            if (!maxRetries.canConvertToInt()) {
                throw new IllegalArgumentException("\"max_retries\" must be a non-negative integer");
            }
            b.maxRetries(maxRetries.asInt());
        }
        Duration countdown = duration(o.get("countdown"), "countdown", true);
        if (countdown != null) {
            b.countdown(countdown);
        }
        Instant eta = instant(o.get("eta"), "eta");
        if (eta != null) {
            b.eta(eta);
        }
        Duration expiresIn = duration(o.get("expires_in"), "expires_in", true);
        if (expiresIn != null) {
            b.expiresIn(expiresIn);
        }
        Instant expires = instant(o.get("expires"), "expires");
        if (expires != null) {
            b.expiresAt(expires);
        }
        JsonNode limits = o.get("timelimit");
        if (limits != null) {
            if (!limits.isArray() || limits.size() != 2) {
                throw new IllegalArgumentException("\"timelimit\" must be an array [hard, soft] of seconds");
            }
            Duration hard = duration(limits.get(0), "timelimit", false);
            Duration soft = duration(limits.get(1), "timelimit", false);
            if (hard != null) {
                b.hardTimeLimit(hard);
            }
            if (soft != null) {
                b.softTimeLimit(soft);
            }
        }
        return b.build();   // the builder's own checks apply too: priority range, soft limit not above hard
    }

    private static double seconds(Duration d) {
        return BigDecimal.valueOf(d.toNanos(), 9).doubleValue();
    }

    private static Duration duration(JsonNode v, String field, boolean zeroAllowed) {
        if (v == null || v.isNull()) {
            return null;
        }
        double s = v.asDouble();
        if (!v.isNumber() || !(zeroAllowed ? s >= 0 : s > 0) || s > MAX_SECONDS) {
            throw new IllegalArgumentException("\"" + field + "\" must be a number of seconds " + (zeroAllowed ? "from 0" : "above 0")
                    + " to " + (long) MAX_SECONDS);
        }
        return Duration.ofNanos(v.decimalValue().movePointRight(9).longValue());
    }

    private static Instant instant(JsonNode v, String field) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("\"" + field + "\" must be an ISO-8601 instant");
        }
        try {
            return Instant.parse(v.asText());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("\"" + field + "\" is not an ISO-8601 instant: " + v.asText());
        }
    }
}
