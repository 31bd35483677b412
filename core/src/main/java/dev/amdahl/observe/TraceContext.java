package dev.amdahl.observe;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A W3C Trace Context (<a href="https://www.w3.org/TR/trace-context/">traceparent and tracestate</a>) as a task
 * message carries it: from the submitter to the worker that runs the task, and on to the steps of a workflow, so
 * that a tracer links them into one trace. Core only carries it; a {@link TaskObserver} makes it and reads it.
 *
 * <pre>{@code
 * TraceContext parent = TraceContext.of("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", null);
 * parent.traceId();   // "4bf92f3577b34da6a3ce929d0e0e4736"
 * }</pre>
 *
 * @param traceparent {@code version-traceid-parentid-flags}, lower-case hex, as the W3C format defines it
 * @param tracestate  the vendors' list that goes with it, or {@code null}
 */
public record TraceContext(String traceparent, String tracestate) {

    /** The W3C recommends that a tracestate of up to 512 characters is carried whole. */
    public static final int MAX_TRACESTATE_LENGTH = 512;
    /** Version 00 is exactly 55 characters; a later version may append fields, within this bound. */
    public static final int MAX_TRACEPARENT_LENGTH = 256;

    private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-[ -~]*)?");
    private static final String ZERO_TRACE = "0".repeat(32);
    private static final String ZERO_SPAN = "0".repeat(16);

    /**
     * @throws IllegalArgumentException naming what is wrong: a traceparent not in the W3C format (version {@code ff},
     *                                  an all-zero trace or parent id, a version-00 value with more fields), one
     *                                  over {@link #MAX_TRACEPARENT_LENGTH}, or a tracestate over
     *                                  {@link #MAX_TRACESTATE_LENGTH} or with characters outside printable ASCII
     */
    public TraceContext {
        Objects.requireNonNull(traceparent, "traceparent");
        if (traceparent.length() > MAX_TRACEPARENT_LENGTH || !TRACEPARENT.matcher(traceparent).matches()
                || traceparent.startsWith("ff") || (traceparent.startsWith("00") && traceparent.length() != 55)
                || traceparent.substring(3, 35).equals(ZERO_TRACE) || traceparent.substring(36, 52).equals(ZERO_SPAN)) {
            throw new IllegalArgumentException("traceparent must be a W3C trace context, version-traceid-parentid-flags in"
                    + " lower-case hex with non-zero ids (e.g. 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01), was "
                    + quote(traceparent));
        }
        if (tracestate != null) {
            if (tracestate.length() > MAX_TRACESTATE_LENGTH) {
                throw new IllegalArgumentException("tracestate must be at most " + MAX_TRACESTATE_LENGTH + " characters, was "
                        + tracestate.length());
            }
            for (int i = 0; i < tracestate.length(); i++) {
                char c = tracestate.charAt(i);
                if (c < 0x20 || c > 0x7e) {
                    throw new IllegalArgumentException("tracestate must be printable ASCII, has character " + (int) c
                            + " at index " + i);
                }
            }
            if (tracestate.isBlank()) {
                tracestate = null;
            }
        }
    }

    /** A context from the two W3C header values; {@code tracestate} may be {@code null}. */
    public static TraceContext of(String traceparent, String tracestate) {
        return new TraceContext(traceparent, tracestate);
    }

    /** The 32 hex digits of the trace this context belongs to. */
    public String traceId() {
        return traceparent.substring(3, 35);
    }

    /** The 16 hex digits of the span that is the parent of whatever continues this context. */
    public String parentSpanId() {
        return traceparent.substring(36, 52);
    }

    /** Whether the caller recorded its span (the {@code sampled} flag). */
    public boolean sampled() {
        return (Integer.parseInt(traceparent.substring(53, 55), 16) & 1) == 1;
    }

    private static String quote(String s) {
        return "\"" + (s.length() <= 80 ? s : s.substring(0, 77) + "...") + "\"";
    }
}
