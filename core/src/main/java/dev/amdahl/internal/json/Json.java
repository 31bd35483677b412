package dev.amdahl.internal.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The one JSON configuration of the wire. Polymorphic typing is never enabled: a message names no
 * Java class that the decoder would instantiate, so a hostile message cannot pick a gadget class.
 *
 * <p>Reading is strict, because everything read comes from a broker or a backend other processes share:
 * a document is exactly one value (trailing content is an error, not a second message that silently
 * vanishes), a key appears once per object (two {@code "id"}s would let one reader see another task than
 * the next), and a value converted to a typed field must already have that type ({@code 1.7} is no
 * {@code int}, {@code "yes"} no {@code boolean}).
 *
 * <p>{@link #mapper()} bounds only what no document may exceed; task messages are read by a mapper made
 * with {@link #mapper(StreamReadConstraints)} from the application's message limits.
 */
public final class Json {

    /** No document, message or stored record, is read past this many bytes: the ceiling of every limit. */
    public static final int MAX_DOCUMENT_LENGTH = 64 * 1024 * 1024;

    /** Deeper documents are refused by the shared mapper; the message limits may set less. */
    public static final int MAX_NESTING_DEPTH = 1_000;

    private static final ObjectMapper MAPPER = mapper(StreamReadConstraints.builder()
            .maxDocumentLength(MAX_DOCUMENT_LENGTH)
            // a string cannot be longer than its document; the document limit is the one that counts
            .maxStringLength(MAX_DOCUMENT_LENGTH)
            .maxNestingDepth(MAX_NESTING_DEPTH)
            .build());

    private Json() {
    }

    /** The shared mapper; thread-safe, never reconfigure it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** A new mapper configured as {@link #mapper()}, reading within {@code constraints}; keep it, it is costly to make. */
    public static ObjectMapper mapper(StreamReadConstraints constraints) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(constraints)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        return JsonMapper.builder(factory)
                .addModule(new JavaTimeModule())
                .addModule(new Jdk8Module())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
    }
}
