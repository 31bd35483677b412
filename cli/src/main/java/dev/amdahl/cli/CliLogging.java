package dev.amdahl.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.amdahl.spi.UrlMasking;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The command's logging, set up in code (no logback.xml to find, or to be found by accident on a user's class path):
 * one appender on stderr, in text for people or JSON lines for log shippers, the chosen level for Amdahl and the
 * level of {@link #NOISY} libraries at warn unless debug or trace is asked for.
 *
 * <p>A JSON line is one object: {@code time} (ISO-8601, UTC), {@code level}, {@code logger}, {@code thread},
 * {@code message}, the MDC's keys as they are ({@code taskId} and {@code task} while a task runs, {@code schedule}
 * while the scheduler fires one, {@code childPid} in the process pool), and {@code exception} (the stack trace as
 * text) when there is one. Messages and traces are masked as every URL the command prints is: a driver's exception
 * may quote the URL it was given, password and all.
 */
final class CliLogging {

    /** The formats of {@code --log-format}. */
    enum Format {
        TEXT, JSON;

        static Format parse(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }

    /** The libraries whose INFO lines are noise to an operator: at warn unless the level is debug or trace. */
    static final List<String> NOISY = List.of("io.netty", "io.lettuce", "com.rabbitmq", "com.zaxxer.hikari", "reactor",
            "org.postgresql", "io.micrometer", "io.opentelemetry");

    /** {@code 18:30:48.772 INFO WorkerRuntime [taskId] - message}, the id only while a task runs. */
    private static final String TEXT_PATTERN = "%d{HH:mm:ss.SSS} %level %logger{0}%replace( [%X{taskId}]){' \\[\\]', ''} - %msg%n";

    private static final String APPENDER = "amdahl-cli";

    private CliLogging() {
    }

    /**
     * Sends what libraries log through {@code java.util.logging} (OpenTelemetry, Selenium and others do) to SLF4J, so
     * that it has the chosen level and format: a JUL line on stderr breaks {@code --log-format json}'s one object per line.
     */
    private static synchronized void routeJavaUtilLogging() {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }

    /** Logs at {@code level} in {@code format} to stderr. */
    static void configure(String level, Format format) {
        configure(level, format, System.err);
    }

    /**
     * Logs at {@code level} (error, warn, info, debug, trace) in {@code format} to {@code out}, replacing what was
     * configured before: each command of a JVM that runs several (the tests) gets its own levels.
     */
    static void configure(String level, Format format, OutputStream out) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            configure(context, level, format, out);
        }
        // else another SLF4J provider was put first on the class path: it is configured its own way
    }

    /** {@link #configure(String, Format, OutputStream)} on {@code context}. */
    static void configure(LoggerContext context, String level, Format format, OutputStream out) {
        routeJavaUtilLogging();
        context.reset();
        Encoder<ILoggingEvent> encoder = format == Format.JSON ? new JsonLineEncoder() : textEncoder(context);
        encoder.setContext(context);
        encoder.start();
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setName(APPENDER);
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(out == System.err ? new NonClosing(System.err) : out);
        // a line at a time, so that a process killed mid-run loses none that were logged
        appender.setImmediateFlush(true);
        appender.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(appender);
        Level chosen = Level.toLevel(level, Level.WARN);
        root.setLevel(chosen);
        boolean libraries = chosen.toInt() <= Level.DEBUG_INT;
        for (String noisy : NOISY) {
            context.getLogger(noisy).setLevel(libraries ? chosen : Level.WARN);
        }
    }

    private static Encoder<ILoggingEvent> textEncoder(LoggerContext context) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(TEXT_PATTERN);
        return encoder;
    }

    /** One JSON object per event, on one line. */
    static final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {

        private static final JsonFactory JSON = new JsonFactory();

        @Override
        public byte[] headerBytes() {
            return null;
        }

        @Override
        public byte[] encode(ILoggingEvent event) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            try (JsonGenerator json = JSON.createGenerator(bytes)) {
                json.writeStartObject();
                json.writeStringField("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
                json.writeStringField("level", event.getLevel().toString());
                json.writeStringField("logger", event.getLoggerName());
                json.writeStringField("thread", event.getThreadName());
                json.writeStringField("message", UrlMasking.mask(event.getFormattedMessage()));
                Map<String, String> mdc = event.getMDCPropertyMap();
                if (mdc != null) {
                    for (Map.Entry<String, String> e : new TreeMap<>(mdc).entrySet()) {
                        if (!isReserved(e.getKey())) {
                            json.writeStringField(e.getKey(), e.getValue());
                        }
                    }
                }
                IThrowableProxy thrown = event.getThrowableProxy();
                if (thrown != null) {
                    json.writeStringField("exception", UrlMasking.mask(ThrowableProxyUtil.asString(thrown)));
                }
                json.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            bytes.write('\n');
            return bytes.toByteArray();
        }

        /** An MDC key that would overwrite one of the event's own fields is left out, not written twice. */
        private static boolean isReserved(String key) {
            return switch (key) {
                case "time", "level", "logger", "thread", "message", "exception" -> true;
                default -> false;
            };
        }

        @Override
        public byte[] footerBytes() {
            return null;
        }
    }

    /** stderr, which the appender's stop (on each reconfiguration) must not close. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
