package dev.amdahl.testkit;

import dev.amdahl.spi.ForwardingResultBackend;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import java.util.List;
import java.util.Map;

/**
 * The backend side of a {@link FaultInjection}: stores fail as it says, and the final record of a delivery that
 * crashes before its store is never stored. Reads, counters and capabilities go straight to the backend.
 */
final class FaultyResultBackend extends ForwardingResultBackend {

    private final FaultInjection faults;

    FaultyResultBackend(ResultBackend delegate, FaultInjection faults) {
        super(delegate);
        this.faults = faults;
    }

    @Override
    public void store(TaskRecord record) {
        if (!faults.onStore(List.of(record)).isEmpty()) {
            super.store(record);
        }
    }

    @Override
    public void storeAll(List<TaskRecord> records) {
        List<TaskRecord> kept = faults.onStore(records);
        if (!kept.isEmpty()) {
            super.storeAll(kept);
        }
    }

    /** The records a crash keeps from the backend count as stored: the crashed worker never hears otherwise. */
    @Override
    public Map<String, TaskRecord> storeAllUnlessFinal(List<TaskRecord> records) {
        List<TaskRecord> kept = faults.onStore(records);
        return kept.isEmpty() ? Map.of() : super.storeAllUnlessFinal(kept);
    }
}
