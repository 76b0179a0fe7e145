package io.grade.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchTargetTest {

    @TempDir
    Path dir;

    @Test
    void learnerBenchmarkShouldWriteItsTargetAndWhetherItWasMetIntoTheSummary() throws Exception {
        Path summary = dir.resolve("learner.json");
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = GradeCli.commandLine().execute("bench", "learner", "--warmup-steps", "1", "--steps", "2",
                    "--summary-json", summary.toString());
        } finally {
            System.setOut(stdout);
        }
        assertThat(rc).isZero();
        JsonNode json = new ObjectMapper().readTree(summary.toFile());
        assertThat(json.get("target").asText()).isEqualTo("learner_requests_per_s >= 40000 requests/s on one core");
        assertThat(json.get("target_met").isBoolean()).isTrue();
        boolean met = json.get("learner_requests_per_s").asDouble() >= 40_000;
        assertThat(json.get("target_met").asBoolean()).isEqualTo(met);
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("target: learner_requests_per_s >= 40000 requests/s on one core: " + (met ? "met" : "NOT met"));
    }

    @Test
    void servingTargetShouldBeMetAtOrUnderOneMicrosecondAndJudgedOnTheSummaryFigure() {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("serving_weights_ns_per_call", 1_000.0);
        BenchTarget.SERVING.judge(figures, true, quiet());
        assertThat(figures).containsEntry("target", "serving_weights_ns_per_call <= 1000 ns per call")
                .containsEntry("target_met", true);
        figures.put("serving_weights_ns_per_call", 1_000.5);
        BenchTarget.SERVING.judge(figures, true, quiet());
        assertThat(figures).containsEntry("target_met", false);
        assertThat(SummaryJson.render(figures)).contains("\"target_met\": false");
    }

    @Test
    void joinTargetShouldNotBeJudgedOnOtherSettingsButStillNameTheTarget() {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("join_to_decode_ratio", 0.62);
        BenchTarget.JOIN.judge(figures, false, quiet());
        assertThat(figures).containsEntry("target", "join_to_decode_ratio >= 0.5 join/decode ratio at N = 50,000")
                .containsEntry("target_met", null);
        assertThat(SummaryJson.render(figures)).contains("\"target_met\": null");
        BenchTarget.JOIN.judge(figures, true, quiet());
        assertThat(figures).containsEntry("target_met", true);
    }

    @Test
    void shouldRefuseASummaryWithoutTheFigure() {
        assertThatThrownBy(() -> BenchTarget.LEARNER.judge(new LinkedHashMap<>(), true, quiet()))
                .hasMessageContaining("learner_requests_per_s");
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
