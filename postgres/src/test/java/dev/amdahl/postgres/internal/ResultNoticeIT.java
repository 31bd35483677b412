package dev.amdahl.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the storing statement writes into a notice, as the real PostgreSQL makes it, is what the parser reads. */
@Timeout(30)
class ResultNoticeIT {

    private static String notice(String taskId, byte[] record) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "root", null);
             PreparedStatement s = c.prepareStatement("select " + ResultNotice.SQL
                     + " from (select ?::text as task_id, 'SUCCESS'::text as state, ?::bytea as record) w")) {
            s.setString(1, taskId);
            s.setBytes(2, record);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getString(1);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain-id", "with space: and colon", "line\nbreak", "é 😀 ü"})
    void idsAndSmallRecordsComeBackAsTheyWent(String id) throws Exception {
        byte[] record = ("{\"id\":\"" + id + "\",\"pad\":\"" + "x".repeat(300) + "\"}").getBytes(StandardCharsets.UTF_8);

        ResultNotice n = ResultNotice.parse(notice(id, record));

        assertThat(n.taskId()).isEqualTo(id);
        assertThat(n.record()).isEqualTo(record);
    }

    @Test
    void aLargeRecordStaysBehindAndALongIdBecomesAStar() throws Exception {
        byte[] large = new byte[ResultNotice.MAX_INLINE_BYTES];
        ResultNotice n = ResultNotice.parse(notice("t", large));
        assertThat(n.taskId()).isEqualTo("t");
        assertThat(n.record()).isNull();

        String longest = notice("i".repeat(ResultNotice.MAX_ID_BYTES), new byte[ResultNotice.MAX_INLINE_BYTES - ResultNotice.MAX_ID_BYTES]);
        assertThat(longest.length()).isLessThan(8000);
        assertThat(ResultNotice.parse(longest).record()).hasSize(ResultNotice.MAX_INLINE_BYTES - ResultNotice.MAX_ID_BYTES);
        assertThat(ResultNotice.parse(notice("i".repeat(ResultNotice.MAX_ID_BYTES + 1), new byte[1])).isAll()).isTrue();
    }
}
