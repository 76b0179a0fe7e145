package io.grade.model.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ArmTotalsTest {

    @Test
    void intervalShouldCoverTheTrueLiftAboutAsOftenAsItsConfidenceSays() {
        SplittableRandom rng = new SplittableRandom(11);
        int runs = 400;
        int covered = 0;
        for (int run = 0; run < runs; run++) {
            ArmTotals t = ArmTotals.of(1);
            // skewed per-request rewards (exponential), true means 1.1 (treatment) and 1.0 (control)
            for (int i = 0; i < 4_000; i++) {
                boolean control = rng.nextDouble() < 0.2;
                double mean = control ? 1.0 : 1.1;
                double v = -mean * Math.log(1 - rng.nextDouble());
                t.add(control ? ArmTotals.CONTROL : ArmTotals.TREATMENT, 3, i, new double[] {v});
            }
            if (t.lift(0, Lift.Z_95).covers(0.1)) {
                covered++;
            }
        }
        // 95 % nominal; binomial SE over 400 runs is 1.1 %
        assertThat(covered / (double) runs).isBetween(0.91, 0.985);
    }

    @Test
    void liftShouldBeTheRatioOfMeansAndItsIntervalShouldNarrowWithMoreRequests() {
        ArmTotals small = ArmTotals.of(1);
        ArmTotals large = ArmTotals.of(1);
        for (int i = 0; i < 40_000; i++) {
            double v = i % 2 == 0 ? 1.0 : 2.0; // mean 1.5 in both arms, then a fixed 20 % more in treatment
            ArmTotals target = i < 4_000 ? small : large;
            target.add(ArmTotals.TREATMENT, 1, i, new double[] {1.2 * v});
            target.add(ArmTotals.CONTROL, 0, i, new double[] {v});
            if (i >= 4_000) {
                continue;
            }
            large.add(ArmTotals.TREATMENT, 1, i, new double[] {1.2 * v});
            large.add(ArmTotals.CONTROL, 0, i, new double[] {v});
        }
        Lift s = small.lift(0, Lift.Z_95);
        Lift l = large.lift(0, Lift.Z_95);
        assertThat(s.lift()).isCloseTo(0.2, within(1e-12));
        assertThat(l.lift()).isCloseTo(0.2, within(1e-12));
        assertThat(s.significantlyPositive()).isTrue();
        assertThat(l.ciHigh() - l.ciLow()).isLessThan((s.ciHigh() - s.ciLow()) / 3);
    }

    @Test
    void analysisShouldStartWithTheFirstTreatmentRequestOfALearnedPolicy() {
        ArmTotals t = ArmTotals.of(1);
        assertThat(t.add(ArmTotals.CONTROL, 0, 10, new double[] {1})).isFalse(); // before any policy
        assertThat(t.add(ArmTotals.TREATMENT, 0, 11, new double[] {1})).isFalse(); // treatment on static weights
        assertThat(t.add(ArmTotals.TREATMENT, 4, 20, new double[] {2})).isTrue(); // the start
        assertThat(t.add(ArmTotals.CONTROL, 0, 19, new double[] {1})).isFalse(); // served before the start
        assertThat(t.add(ArmTotals.CONTROL, 0, 21, new double[] {1})).isTrue();
        assertThat(t.add(ArmTotals.UNASSIGNED, 4, 22, new double[] {1})).isFalse();
        assertThat(t.start).isEqualTo(20);
        assertThat(t.treatmentRequests).isEqualTo(1);
        assertThat(t.controlRequests).isEqualTo(1);
        assertThat(t.skippedRequests).isEqualTo(4);
        assertThat(t.lift(0, Lift.Z_95).lift()).isNaN(); // fewer than 2 per arm
    }

    @Test
    void metricsShouldBeRewardThenPerTaskRatesPerShownItem() {
        // 3 items x 2 tasks; items 0 and 2 shown
        double[] labels = {1, 0, 0, 5, 1, 3};
        int[] positions = {0, -1, 1};
        assertThat(ArmTotals.metricsOf(0.7, labels, positions, 2)).containsExactly(0.7, 1.0, 1.5);
        assertThat(ArmTotals.metricsOf(0.0, labels, new int[] {-1, -1, -1}, 2)).containsExactly(0.0, 0.0, 0.0);
    }
}
