package io.grade.core.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grade.core.policy.Gradients;
import org.junit.jupiter.api.Test;

class GradientClippingTest {

    private static final double TOLERANCE = 1e-12;

    @Test
    void shouldScaleAGradientAboveTheLimitDownToTheLimitKeepingItsDirection() {
        Gradients g = AdamTest.gradients(new double[] {3.0, 0.0}, new double[] {4.0});
        double before = GradientClipping.clipGlobalNorm(g, 1.0);
        assertThat(before).isCloseTo(5.0, within(TOLERANCE));
        assertThat(g.globalNorm()).isCloseTo(1.0, within(TOLERANCE));
        assertThat(g.get("w").getDouble(0)).isCloseTo(0.6, within(TOLERANCE));
        assertThat(g.get("b").getDouble(0)).isCloseTo(0.8, within(TOLERANCE));
    }

    @Test
    void shouldLeaveAGradientWithinTheLimitUnchanged() {
        Gradients g = AdamTest.gradients(new double[] {0.3, 0.0}, new double[] {0.4});
        assertThat(GradientClipping.clipGlobalNorm(g, 1.0)).isCloseTo(0.5, within(TOLERANCE));
        assertThat(g.get("w").toDoubleVector()).containsExactly(0.3, 0.0);
    }

    @Test
    void shouldReportANonFiniteNormAndScaleNothing() {
        Gradients g = AdamTest.gradients(new double[] {Double.POSITIVE_INFINITY, 1.0}, new double[] {4.0});
        assertThat(GradientClipping.clipGlobalNorm(g, 1.0)).isInfinite();
        assertThat(g.get("b").getDouble(0)).isEqualTo(4.0);
    }
}
