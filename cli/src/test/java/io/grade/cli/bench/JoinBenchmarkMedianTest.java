package io.grade.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark reports the median measured run: the index it picks and the value. */
class JoinBenchmarkMedianTest {

    @Test
    void shouldPickTheMiddleRunWhateverTheOrder() {
        assertThat(JoinBenchmark.medianIndex(List.of(0.31, 0.27, 0.35))).isEqualTo(0);
        assertThat(JoinBenchmark.medianIndex(List.of(0.35, 0.31, 0.27))).isEqualTo(1);
        assertThat(JoinBenchmark.median(List.of(5.0, 1.0, 4.0, 2.0, 3.0))).isEqualTo(3.0);
        assertThat(JoinBenchmark.median(List.of(7.0))).isEqualTo(7.0);
    }

    @Test
    void shouldTakeTheUpperMiddleOfAnEvenCount() {
        assertThat(JoinBenchmark.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(3.0);
    }
}
