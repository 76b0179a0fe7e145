package io.grade.core.grpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class GrpoObjectiveTest {

    private static final double TOLERANCE = 1e-12;

    @Test
    void shouldNormaliseRewardsWithinEachGroup() {
        double[] rewards = {1, 2, 3, 4, 0.5, 0.5, 0.5, 1.5};
        double[] adv = new double[8];
        int homogeneous = GrpoObjective.computeAdvantages(rewards, 2, 4, 1e-6, adv);
        assertThat(homogeneous).isZero();
        // group 0: mean 2.5, sample std sqrt(5/3)
        double std0 = Math.sqrt(5.0 / 3.0);
        assertThat(adv[0]).isCloseTo(-1.5 / (std0 + 1e-6), within(TOLERANCE));
        assertThat(adv[3]).isCloseTo(1.5 / (std0 + 1e-6), within(TOLERANCE));
        // group 1: mean 0.75, sample std sqrt(0.75 / 3) = 0.5
        assertThat(adv[4]).isCloseTo(-0.25 / (0.5 + 1e-6), within(TOLERANCE));
        assertThat(adv[7]).isCloseTo(0.75 / (0.5 + 1e-6), within(TOLERANCE));
        double sum = 0;
        for (int i = 4; i < 8; i++) {
            sum += adv[i];
        }
        assertThat(sum).isCloseTo(0.0, within(TOLERANCE));
    }

    @Test
    void shouldGiveZeroAdvantageToHomogeneousGroupsAndCountThem() {
        // group 1 differs only by rounding noise (std ~ 1e-9 < 1e-6), group 2 is exactly constant
        double[] rewards = {0.1, 0.9, 0.4, 0.7, 0.7 + 2e-9, 0.7, 0.3, 0.3, 0.3};
        double[] adv = new double[9];
        java.util.Arrays.fill(adv, 42.0);
        int homogeneous = GrpoObjective.computeAdvantages(rewards, 3, 3, 1e-6, adv);
        assertThat(homogeneous).isEqualTo(2);
        for (int i = 3; i < 9; i++) {
            assertThat(adv[i]).isZero();
        }
        assertThat(adv[1]).isPositive();
        // with a threshold below the noise the noisy group is not homogeneous and gets (noise) advantages
        assertThat(GrpoObjective.computeAdvantages(rewards, 3, 3, 1e-12, adv)).isEqualTo(1);
        assertThat(adv[4]).isNotZero();
    }

    @Test
    void shouldClipRatioAndZeroGradientOnlyWhereClipBinds() {
        double eps = 0.2;
        // rho = 1.5 with A > 0: clipped; rho = 1.5 with A < 0: unclipped; rho = 0.5 with A < 0: clipped;
        // rho = 0.5 with A > 0: unclipped; rho = 1.1: inside the band
        double[] logpOld = {0, 0, 0, 0, 0};
        double[] logpNew = {Math.log(1.5), Math.log(1.5), Math.log(0.5), Math.log(0.5), Math.log(1.1)};
        double[] adv = {2.0, -2.0, -1.0, 1.0, 3.0};
        double[] d = new double[5];
        GrpoObjective.Surrogate s = GrpoObjective.clippedSurrogate(logpNew, logpOld, adv, 5, eps, 0.1, d);
        assertThat(s.clipped()).isEqualTo(2);
        double expected = -(1.2 * 2.0) - (1.5 * -2.0) - (0.8 * -1.0) - (0.5 * 1.0) - (1.1 * 3.0);
        assertThat(s.loss()).isCloseTo(0.1 * expected, within(TOLERANCE));
        assertThat(d[0]).isZero();
        assertThat(d[1]).isCloseTo(-0.1 * -2.0 * 1.5, within(TOLERANCE));
        assertThat(d[2]).isZero();
        assertThat(d[3]).isCloseTo(-0.1 * 1.0 * 0.5, within(TOLERANCE));
        assertThat(d[4]).isCloseTo(-0.1 * 3.0 * 1.1, within(TOLERANCE));
    }
}
