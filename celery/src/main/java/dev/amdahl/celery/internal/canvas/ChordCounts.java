package dev.amdahl.celery.internal.canvas;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Where a chord's members are counted as Celery's result backend counts them: a store all workers share. */
public interface ChordCounts {

    /**
     * Counts a member; returns the members' entries {@code [1, id, state, result]} in their group order when this one
     * completed the chord, else an empty list.
     */
    List<JsonNode> chordPartReturn(String group, Integer groupIndex, JsonNode entry);

    /** Deletes a completed chord's counting keys, as Celery does once the callback is sent. */
    void deleteChord(String group);
}
