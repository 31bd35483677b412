package dev.amdahl.internal.json;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The one JSON configuration of the wire. Polymorphic typing is never enabled: a message names no
 * Java class that the decoder would instantiate, so a hostile message cannot pick a gadget class.
 */
public final class Json {

    /** Bodies larger than this are refused by the decoder, before any allocation they would cause. */
    public static final int MAX_DOCUMENT_LENGTH = 64 * 1024 * 1024;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .addModule(new Jdk8Module())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxDocumentLength(MAX_DOCUMENT_LENGTH)
                .maxNestingDepth(200)
                .build());
    }

    private Json() {
    }

    /** The shared mapper; thread-safe, never reconfigure it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
