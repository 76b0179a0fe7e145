package io.grade.jobs.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grade.model.reward.RewardBreakdown;
import io.grade.model.reward.RewardConfig;
import io.grade.schemas.FusionKind;
import org.junit.jupiter.api.Test;

class ServedRewardTest {

    private static final double TOLERANCE = 1e-12;

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    @Test
    void shouldRankShownItemsByPositionThenUnshownByFusedScore() {
        int[] positions = {-1, 2, -1, 0, 1};
        double[] fused = {0.1, 9, 0.7, 0, 5};
        assertThat(ServedReward.servedRanking(positions, fused)).containsExactly(3, 4, 1, 2, 0);
    }

    @Test
    void shouldScoreTheServedRankingNotTheFusedOne() {
        // Two tasks, three items served as [item1, item0], item2 scored but not shown.
        float[] scores = {0.2f, 0.9f, 0.6f, 0.1f, 0.4f, 0.5f};
        double[] labels = {1, 0, 0, 0, 0, 0}; // item0 clicked (task 0)
        int[] positions = {1, 0, -1};
        double[] w = {0.5, 0.5};
        ServedReward reward = new ServedReward(RewardConfig.defaults(2), FusionKind.LOG_LINEAR, new double[] {1e-6, 1e-6});
        RewardBreakdown b = reward.compute(scores, labels, positions, w);

        // R_post: the only positive gain sits at rank 2.
        assertThat(b.post()).isCloseTo(1 / log2(3), within(TOLERANCE));
        // R_prior: min-max gains task0 = (0, 1, 0.5), task1 = (1, 0, 0.5), ranking [1, 0, 2].
        double ideal = 1 + 0.5 / log2(3);
        double ndcg0 = (1 + 0 + 0.5 / log2(4)) / ideal;
        double ndcg1 = (0 + 1 / log2(3) + 0.5 / log2(4)) / ideal;
        assertThat(b.prior()).isCloseTo((ndcg0 + ndcg1) / 2, within(1e-6));
        assertThat(b.format()).isZero();
        assertThat(b.total()).isCloseTo(b.post() + 0.3 * b.prior(), within(TOLERANCE));
    }

    @Test
    void shouldGiveTheSameRewardFromTheFixedPartsAndSparseLabelsAsTheFullComputation() {
        java.util.Random rnd = new java.util.Random(7);
        // A format constraint that some weights meet and some do not, so the tau gate matters.
        RewardConfig config = RewardConfig.defaults(4).withFormat(io.grade.model.reward.FormatConstraints.of(
                new int[][] {{0, 1}}, new double[] {0.05, 0, 0, 0}, new double[] {1, 1, 1, 0.6}));
        for (FusionKind fusion : FusionKind.values()) {
            ServedReward reward = new ServedReward(config, fusion, new double[] {1e-6, 1e-6, 1e-6, 1e-6});
            for (int request = 0; request < 200; request++) {
                int items = 3 + rnd.nextInt(40); // some below K = 10
                float[] scores = new float[items * 4];
                for (int i = 0; i < scores.length; i++) {
                    scores[i] = rnd.nextFloat() * (1 + i % 4 * 10);
                }
                int[] positions = new int[items];
                for (int j = 0; j < items; j++) {
                    positions[j] = rnd.nextInt(3) == 0 ? -1 : (j * 7919) % 97;
                }
                double[] w = new double[4];
                double sum = 0;
                for (int t = 0; t < 4; t++) {
                    w[t] = rnd.nextDouble();
                    sum += w[t];
                }
                for (int t = 0; t < 4; t++) {
                    w[t] /= sum;
                }
                ServedRanking ranking = reward.rank(scores, positions, w);
                double[] dense = new double[items * 4];
                int[] cells = new int[dense.length];
                double[] values = new double[dense.length];
                int count = 0;
                int events = rnd.nextInt(12);
                for (int e = 0; e <= events; e++) {
                    RewardBreakdown expected = reward.compute(scores, dense, positions, w);
                    RewardBreakdown actual = reward.evaluate(ranking, 4, cells, values, count);
                    assertThat(actual).as("fusion %s request %d after %d events", fusion, request, e).isEqualTo(expected);
                    int cell = rnd.nextInt(dense.length);
                    double v = cell % 4 < 2 ? 1 : rnd.nextDouble() * 100;
                    dense[cell] += v;
                    int at = -1;
                    for (int i = 0; i < count; i++) {
                        if (cells[i] == cell) {
                            at = i;
                        }
                    }
                    if (at < 0) {
                        at = count++;
                        cells[at] = cell;
                    }
                    values[at] += v;
                }
            }
        }
    }

    @Test
    void shouldKeepARollingMeanOfTheLastValues() {
        RollingMean m = new RollingMean(3);
        assertThat(m.mean()).isZero();
        m.add(1);
        m.add(2);
        assertThat(m.mean()).isEqualTo(1.5);
        m.add(3);
        m.add(10);
        assertThat(m.mean()).isCloseTo((2 + 3 + 10) / 3.0, within(TOLERANCE));
        assertThat(m.count()).isEqualTo(3);
    }
}
