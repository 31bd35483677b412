package dev.amdahl.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.TaskState;
import dev.amdahl.spi.TaskRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ResultNoticeTest {

    @Test
    void anIdIsReadByItsLengthWhateverItHolds() {
        String id = "a b:c\nd é 😀";
        ResultNotice n = ResultNotice.parse("SUCCESS " + id.codePointCount(0, id.length()) + ":" + id);
        assertThat(n.state()).isEqualTo(TaskState.SUCCESS);
        assertThat(n.taskId()).isEqualTo(id);
        assertThat(n.record()).isNull();
    }

    @Test
    void theRecordAfterTheIdIsBase64WithPostgresLineBreaks() {
        byte[] record = "{\"id\":\"t\"}".repeat(20).getBytes(StandardCharsets.UTF_8);
        String b64 = Base64.getEncoder().encodeToString(record);
        String broken = b64.substring(0, 76) + "\n" + b64.substring(76);
        ResultNotice n = ResultNotice.parse("REVOKED 1:t" + broken);
        assertThat(n.taskId()).isEqualTo("t");
        assertThat(n.record()).isEqualTo(record);
    }

    @Test
    void aStarMeansReadEverything() {
        assertThat(ResultNotice.parse("*").isAll()).isTrue();
    }

    @Test
    void whatIsWrongIsNamed() {
        assertThatThrownBy(() -> ResultNotice.parse("")).hasMessageContaining("task state and a space");
        assertThatThrownBy(() -> ResultNotice.parse("DONE 1:t")).hasMessageContaining("unknown task state");
        assertThatThrownBy(() -> ResultNotice.parse("SUCCESS t")).hasMessageContaining("length is missing");
        assertThatThrownBy(() -> ResultNotice.parse("SUCCESS x:t")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> ResultNotice.parse("SUCCESS 5:t")).hasMessageContaining("shorter than");
        assertThatThrownBy(() -> ResultNotice.parse("SUCCESS -1:t")).hasMessageContaining("shorter than");
        assertThatThrownBy(() -> ResultNotice.parse("SUCCESS 1:t%%%")).hasMessageContaining("not base64");
    }

    @Test
    void storesAreCutWhereATaskComesAgainAndSortedByTaskId() {
        List<TaskRecord> records = List.of(record("b", TaskState.STARTED), record("a", TaskState.STARTED),
                record("b", TaskState.SUCCESS), record("c", TaskState.SUCCESS));

        List<List<TaskRecord>> chunks = PostgresResultBackend.chunks(records);

        assertThat(chunks).hasSize(2);
        assertThat(chunks.get(0)).extracting(TaskRecord::taskId).containsExactly("a", "b");
        assertThat(chunks.get(0).get(1).state()).isEqualTo(TaskState.STARTED);
        assertThat(chunks.get(1)).extracting(TaskRecord::taskId).containsExactly("b", "c");
        assertThat(chunks.get(1).get(0).state()).isEqualTo(TaskState.SUCCESS);
    }

    @Test
    void storesAreCutAtAThousand() {
        List<TaskRecord> records = new ArrayList<>();
        for (int i = 0; i < 2_500; i++) {
            records.add(record("t" + i, TaskState.SUCCESS));
        }
        assertThat(PostgresResultBackend.chunks(records)).extracting(List::size).containsExactly(1_000, 1_000, 500);
    }

    private static TaskRecord record(String id, TaskState state) {
        return new TaskRecord(id, "t", state, null, null, 0, null, null, null, 0);
    }
}
