package io.grade.model.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.grade.model.fusion.Fusion;
import io.grade.schemas.FusionKind;
import org.junit.jupiter.api.Test;

/** Expected numbers come from src/test/resources/reward_expected.py. */
class CompositeRewardTest {

    private static final double TOLERANCE = 1e-9;
    private static final int ITEMS = 3;
    private static final int TASKS = 2;
    private static final double[] SCORES = {0.5, 0.1, 0.2, 0.4, 0.1, 0.2};
    private static final double[] LABELS = {0, 0, 1, 0, 0, 0};
    private static final double[] NO_BETA = {0, 0};

    private static RequestReward prepare(RewardConfig cfg) {
        double[] z = Fusion.inputs(FusionKind.LOG_LINEAR, SCORES, ITEMS, TASKS, NO_BETA);
        return new CompositeReward(cfg).prepare(z, SCORES, LABELS, ITEMS, TASKS);
    }

    @Test
    void shouldMatchHandComputedPostPriorAndTotal() {
        RequestReward r = prepare(RewardConfig.defaults(TASKS));

        RewardBreakdown clickHeavy = r.evaluate(new double[] {0.9, 0.1});
        assertThat(clickHeavy.post()).isCloseTo(0.630929753571, within(TOLERANCE));
        assertThat(clickHeavy.prior()).isCloseTo(0.829500902401, within(TOLERANCE));
        assertThat(clickHeavy.format()).isZero();
        assertThat(clickHeavy.total()).isCloseTo(0.879780024292, within(TOLERANCE));

        RewardBreakdown secondHeavy = r.evaluate(new double[] {0.1, 0.9});
        assertThat(secondHeavy.post()).isCloseTo(1.0, within(TOLERANCE));
        assertThat(secondHeavy.prior()).isCloseTo(0.823909037671, within(TOLERANCE));
        assertThat(r.total(new double[] {0.1, 0.9})).isCloseTo(1.247172711301, within(TOLERANCE));
        assertThat(r.post(new double[] {0.9, 0.1})).isCloseTo(0.630929753571, within(TOLERANCE));
    }

    @Test
    void shouldAddFormatRewardOnlyAboveTheGate() {
        FormatConstraints firstAtLeastSecond = FormatConstraints.of(new int[][] {{0, 1}}, null, null);
        RequestReward open = prepare(RewardConfig.defaults(TASKS).withFormat(firstAtLeastSecond));
        RewardBreakdown satisfied = open.evaluate(new double[] {0.9, 0.1});
        assertThat(satisfied.format()).isEqualTo(1.0);
        assertThat(satisfied.total()).isCloseTo(0.879780024292 + 0.05, within(TOLERANCE));
        assertThat(open.evaluate(new double[] {0.1, 0.9}).format()).isZero();

        RewardConfig highGate = new RewardConfig(10, new double[] {1, 1}, 1.0, 0.3, 0.05, 0.9, firstAtLeastSecond);
        RewardBreakdown gated = prepare(highGate).evaluate(new double[] {0.9, 0.1});
        assertThat(gated.format()).isZero();
        assertThat(gated.total()).isCloseTo(0.879780024292, within(TOLERANCE));
    }

    @Test
    void shouldGiveZeroPostWhenNobodyResponded() {
        double[] z = Fusion.inputs(FusionKind.LOG_LINEAR, SCORES, ITEMS, TASKS, NO_BETA);
        RequestReward r = new CompositeReward(RewardConfig.defaults(TASKS))
                .prepare(z, SCORES, new double[ITEMS * TASKS], ITEMS, TASKS);
        assertThat(r.hasPositiveLabel()).isFalse();
        RewardBreakdown b = r.evaluate(new double[] {0.5, 0.5});
        assertThat(b.post()).isZero();
        assertThat(b.prior()).isPositive();
    }

    @Test
    void shouldWeighTasksByImportanceOverTasksWithPositives() {
        // Both tasks have a positive: item 1 for task 0, item 0 for task 1. Ranking 0,1,2 gives
        // NDCG 1/log2(3) on task 0 and 1 on task 1.
        double[] labels = {0, 2, 1, 0, 0, 0};
        double[] z = Fusion.inputs(FusionKind.LOG_LINEAR, SCORES, ITEMS, TASKS, NO_BETA);
        RewardConfig cfg = new RewardConfig(10, new double[] {3, 1}, 1, 0, 0, 0.4, null);
        RequestReward r = new CompositeReward(cfg).prepare(z, SCORES, labels, ITEMS, TASKS);
        double expected = (3 * (1 / (Math.log(3) / Math.log(2))) + 1 * 1.0) / 4;
        assertThat(r.post(new double[] {0.9, 0.1})).isCloseTo(expected, within(TOLERANCE));
    }

    @Test
    void shouldCutNdcgAtK() {
        // K = 1: only the top item counts. Ranking 0,1,2 puts a zero-gain item on top.
        RewardConfig k1 = new RewardConfig(1, new double[] {1, 1}, 1, 0, 0, 0.4, null);
        RequestReward r = prepare(k1);
        assertThat(r.post(new double[] {0.9, 0.1})).isZero();
        assertThat(r.post(new double[] {0.1, 0.9})).isEqualTo(1.0);
    }

    @Test
    void shouldScoreAServedRankingGivenAsPositions() {
        RequestReward r = prepare(RewardConfig.defaults(TASKS));
        RewardBreakdown served = r.evaluateRanking(new int[] {1, 2, 0}, new double[] {0.1, 0.9});
        assertThat(served.total()).isCloseTo(1.247172711301, within(TOLERANCE));
    }

    @Test
    void shouldRejectConfigurationErrorsNamingTheOption() {
        assertThatThrownBy(() -> new RewardConfig(0, new double[] {1}, 1, 0.3, 0.05, 0.4, null))
                .hasMessageContaining("ndcgK");
        assertThatThrownBy(() -> new RewardConfig(10, new double[] {1, -1}, 1, 0.3, 0.05, 0.4, null))
                .hasMessageContaining("taskImportance");
        assertThatThrownBy(() -> new RewardConfig(10, new double[] {1, 1}, 1, -0.3, 0.05, 0.4, null))
                .hasMessageContaining("lambdaPrior");
        assertThatThrownBy(() -> RewardConfig.defaults(2).withFormat(FormatConstraints.of(new int[][] {{0, 2}}, null, null)))
                .hasMessageContaining("task index 2");
    }

    @Test
    void shouldCountBoundsInFormatFraction() {
        FormatConstraints f = FormatConstraints.of(new int[][] {{0, 1}},
                new double[] {0.2, Double.NaN}, new double[] {Double.NaN, 0.5});
        assertThat(f.count()).isEqualTo(3);
        assertThat(f.satisfiedFraction(new double[] {0.6, 0.4})).isEqualTo(1.0);
        assertThat(f.satisfiedFraction(new double[] {0.1, 0.9})).isEqualTo(0.0);
        assertThat(f.satisfiedFraction(new double[] {0.3, 0.7})).isCloseTo(1.0 / 3, within(TOLERANCE));
    }

    @Test
    void shouldCountATwoSidedBandAsOneConstraintMetOnlyInsideTheBand() {
        // ctr >= cvr, and 0.2 <= ctr <= 0.5: two constraints, not three.
        FormatConstraints f = FormatConstraints.of(new int[][] {{0, 1}},
                new double[] {0.2, Double.NaN}, new double[] {0.5, Double.NaN});
        assertThat(f.count()).isEqualTo(2);
        assertThat(f.satisfiedFraction(new double[] {0.45, 0.55})).isCloseTo(0.5, within(TOLERANCE)); // in band, order broken
        assertThat(f.satisfiedFraction(new double[] {0.7, 0.3})).isCloseTo(0.5, within(TOLERANCE)); // above hi: no half credit
        assertThat(f.satisfiedFraction(new double[] {0.1, 0.9})).isEqualTo(0.0);
        assertThat(f.satisfiedFraction(new double[] {0.5, 0.5})).isEqualTo(1.0); // both sides inclusive
    }
}
