package io.grade.core.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LearnerBenchmarkTest {

    @Test
    void shouldReportThroughputLatencyAndAllocationOfRealUpdates() {
        Map<String, Object> r = LearnerBenchmark.run(1, 2, 5L);
        assertThat(r).containsKeys("learner_requests_per_s", "step_ms_p50", "step_ms_p95", "step_ms_min",
                "allocated_bytes_per_request");
        double rate = (Double) r.get("learner_requests_per_s");
        double p50 = (Double) r.get("step_ms_p50");
        assertThat(rate).isPositive().isFinite();
        assertThat(p50).isPositive();
        // two steps of 256 requests cannot be faster than the reported rate allows
        assertThat(rate).isLessThanOrEqualTo(256 / ((Double) r.get("step_ms_min") / 1e3) * 1.0001);
        assertThat((Double) r.get("allocated_bytes_per_request")).isPositive();
        assertThat(r.get("skipped_updates")).isEqualTo(0L);
        assertThat((Double) r.get("last_mean_reward")).isBetween(0.0, 1.35 + 0.05);
    }

    @Test
    void shouldRejectEmptyMeasurement() {
        assertThatThrownBy(() -> LearnerBenchmark.run(0, 0, 1L)).hasMessageContaining("measuredSteps");
    }
}
