package io.grade.cli.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grade.schemas.ExperimentArm;
import java.io.BufferedReader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

public class RequestLogFormatTest {

    public static final String GOOD = "{\"format_version\":1,\"request_id\":\"r1\",\"user_id\":\"u1\",\"event_time_ms\":1000,"
            + "\"served_weights\":[0.5,0.5],\"features\":[0.1,0.2,0.3],\"candidates\":["
            + "{\"item_id\":\"a\",\"scores\":[0.2,0.1],\"position\":0,\"labels\":[{\"type\":\"click\",\"value\":1,\"time_ms\":1500}]},"
            + "{\"item_id\":\"b\",\"scores\":[0.3,0.4],\"position\":1}]}";

    @Test
    void shouldReadEveryFieldAndWriteItBackUnchanged() throws Exception {
        LoggedRequest r = RequestLogFormat.parse(GOOD);
        assertThat(r.requestId()).isEqualTo("r1");
        assertThat(r.userId()).isEqualTo("u1");
        assertThat(r.eventTimeMs()).isEqualTo(1000);
        assertThat(r.policyVersion()).isZero();
        assertThat(r.servedWeights()).containsExactly(0.5, 0.5);
        assertThat(r.tasks()).isEqualTo(2);
        assertThat(r.candidates()).extracting(LoggedRequest.Candidate::itemId).containsExactly("a", "b");
        assertThat(r.candidates().get(0).labels()).containsExactly(new LoggedRequest.Label("click", 1.0, 1500));
        assertThat(r.candidates().get(1).labels()).isEmpty();

        LoggedRequest again = RequestLogFormat.parse(RequestLogFormat.format(r));
        assertThat(RequestLogFormat.format(again)).isEqualTo(RequestLogFormat.format(r));
        assertThat(again.candidates().get(0).scores()).containsExactly(r.candidates().get(0).scores());
        assertThat(r.arm()).isEqualTo(ExperimentArm.UNASSIGNED);
        LoggedRequest control = RequestLogFormat.parse(GOOD.replace("\"user_id\":\"u1\",", "\"user_id\":\"u1\",\"arm\":\"CONTROL\","));
        assertThat(control.arm()).isEqualTo(ExperimentArm.CONTROL);
        assertThat(RequestLogFormat.parse(RequestLogFormat.format(control)).arm()).isEqualTo(ExperimentArm.CONTROL);
    }

    @Test
    void shouldNameWhatIsWrongWithABadRow() {
        assertThatThrownBy(() -> RequestLogFormat.parse("{not json")).hasMessageStartingWith("not JSON");
        assertThatThrownBy(() -> RequestLogFormat.parse(GOOD.replace("\"format_version\":1", "\"format_version\":2")))
                .hasMessage("format_version 2 is not supported; this build reads 1");
        assertThatThrownBy(() -> RequestLogFormat.parse(GOOD.replace("\"user_id\":\"u1\",", "")))
                .hasMessage("user_id is missing");
        assertThatThrownBy(() -> RequestLogFormat.parse(GOOD.replace("\"time_ms\":1500", "\"time_ms\":999")))
                .hasMessage("candidates[0].labels[0].time_ms 999 is before the request's event_time_ms 1000");
        assertThatThrownBy(() -> RequestLogFormat.parse(GOOD.replace("\"item_id\":\"b\"", "\"item_id\":\"a\"")))
                .hasMessage("candidates[1].item_id a appears twice");
        assertThatThrownBy(() -> RequestLogFormat.parse(GOOD.replace("[0.3,0.4]", "[0.3]")))
                .hasMessage("candidates[1].scores has 1 entries, expected 2");
        assertThatThrownBy(() -> RequestLogFormat.parse(GOOD.replace("[0.5,0.5]", "[0.5,0.6]")))
                .hasMessageStartingWith("served_weights sum to 1.1");
        assertThatThrownBy(() -> RequestLogFormat.parse(GOOD.replace("\"value\":1", "\"value\":-1")))
                .hasMessage("candidates[0].labels[0].value must be >= 0, got -1.0");
        assertThatThrownBy(() -> RequestLogFormat.parse(GOOD.replace("\"user_id\":\"u1\",", "\"user_id\":\"u1\",\"arm\":\"B\",")))
                .hasMessage("arm must be TREATMENT, CONTROL or UNASSIGNED, got B");
    }

    @Test
    void readerShouldReportEveryBadRowWithItsLineAndStopBeyondTheLimit() throws Exception {
        String log = GOOD + "\n\n" + GOOD.replace("\"r1\"", "\"r2\"").replace("[0.1,0.2,0.3]", "[0.1]") + "\n"
                + "[]\n" + GOOD.replace("\"r1\"", "\"r3\"") + "\n";
        List<String> bad = new ArrayList<>();
        List<String> good = new ArrayList<>();
        RequestLogReader.Listener listener = new RequestLogReader.Listener() {
            @Override
            public void request(LoggedRequest request, long line) {
                good.add(request.requestId() + "@" + line);
            }

            @Override
            public void badRow(long line, String reason) {
                bad.add(line + ": " + reason);
            }
        };
        RequestLogReader.Counts counts = new RequestLogReader(-1, "--max-bad-rows")
                .read(new BufferedReader(new StringReader(log)), listener);
        assertThat(good).containsExactly("r1@1", "r3@5");
        assertThat(bad).containsExactly("3: features has 1 entries, the log's first request 3", "4: not a JSON object");
        assertThat(counts).isEqualTo(new RequestLogReader.Counts(2, 2, 3, 2));

        assertThatThrownBy(() -> new RequestLogReader(1, "--max-bad-rows")
                .read(new BufferedReader(new StringReader(log)), listener))
                .isInstanceOf(RequestLogReader.TooManyBadRows.class)
                .hasMessage("more than 1 bad rows (--max-bad-rows); stopped at line 4");
    }
}
