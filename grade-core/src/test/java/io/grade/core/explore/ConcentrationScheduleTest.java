package io.grade.core.explore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ConcentrationScheduleTest {

    private static final double TOLERANCE = 1e-12;

    @Test
    void shouldStartAtFiveAndReachFifteenAtHorizon() {
        ConcentrationSchedule s = ConcentrationSchedule.defaults(100);
        assertThat(s.alphaHat(0)).isEqualTo(5.0);
        assertThat(s.alphaHat(100)).isEqualTo(15.0);
        assertThat(s.alphaHat(1_000_000)).isEqualTo(15.0);
    }

    @Test
    void shouldFollowCosineAndIncreaseMonotonically() {
        ConcentrationSchedule s = new ConcentrationSchedule(5, 15, 100);
        // halfway: (1 + cos(pi/2)) / 2 = 1/2
        assertThat(s.alphaHat(50)).isCloseTo(10.0, within(TOLERANCE));
        // a quarter: 15 - 10 * (1 + cos(pi/4)) / 2
        assertThat(s.alphaHat(25)).isCloseTo(15 - 10 * (1 + Math.sqrt(0.5)) / 2, within(TOLERANCE));
        for (int t = 1; t <= 100; t++) {
            assertThat(s.alphaHat(t)).isGreaterThan(s.alphaHat(t - 1));
        }
    }

    @Test
    void shouldNameTheOptionWhenInvalid() {
        assertThatThrownBy(() -> new ConcentrationSchedule(5, 15, 0)).hasMessageContaining("alphaHorizon");
        assertThatThrownBy(() -> new ConcentrationSchedule(-1, 15, 10)).hasMessageContaining("alphaStart");
        assertThatThrownBy(() -> new ConcentrationSchedule(5, Double.NaN, 10)).hasMessageContaining("alphaEnd");
    }
}
