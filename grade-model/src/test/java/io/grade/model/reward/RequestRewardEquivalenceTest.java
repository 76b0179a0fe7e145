package io.grade.model.reward;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.model.fusion.Fusion;
import io.grade.schemas.FusionKind;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The reward's fast paths (top-K selection in a remembered visiting order, all tasks' DCGs in one
 * pass, instances re-prepared in place) against a plain reference implementation of docs/SPEC.md
 * section 6: fuse, rank with {@link Fusion#topK}, then one task after another. Same floating-point
 * operations in the same order, so the results must be bit-identical, not merely close.
 */
class RequestRewardEquivalenceTest {

    @Test
    void shouldEqualTheReferenceBitForBitOnRandomRequestsWithTies() {
        Random rng = new Random(17);
        FormatConstraints format = FormatConstraints.of(new int[][] {{0, 1}}, null, null);
        for (int trial = 0; trial < 300; trial++) {
            int tasks = 1 + rng.nextInt(4);
            double[] importance = new double[tasks];
            for (int t = 0; t < tasks; t++) {
                importance[t] = rng.nextInt(4) == 0 ? 0.0 : 0.5 + rng.nextDouble();
            }
            RewardConfig cfg = new RewardConfig(1 + rng.nextInt(12), importance, 1.0, 0.3, 0.05, 0.4,
                    tasks >= 2 ? format : null);
            CompositeReward reward = new CompositeReward(cfg);
            RequestReward reused = null;
            // several requests through one re-prepared instance, longest first so it is reused
            int maxItems = 1 + rng.nextInt(60);
            for (int request = 0; request < 4; request++) {
                int items = 1 + rng.nextInt(maxItems);
                double[] scores = new double[items * tasks];
                double[] labels = new double[items * tasks];
                for (int i = 0; i < scores.length; i++) {
                    // coarse scores make many exact ties in z and in the fused scores
                    scores[i] = rng.nextBoolean() ? rng.nextInt(5) / 4.0 : rng.nextDouble();
                    labels[i] = rng.nextInt(5) == 0 ? rng.nextInt(3) : 0;
                }
                double[] betas = new double[tasks];
                java.util.Arrays.fill(betas, 1e-3);
                double[] z = Fusion.inputs(FusionKind.LOG_LINEAR, scores, items, tasks, betas);
                RequestReward fresh = reward.prepare(z, scores, labels, items, tasks);
                RequestReward before = reused;
                reused = reward.prepareInto(reused, z, scores, labels, items, tasks);
                if (before != null && before.capacity() >= items) {
                    assertThat(reused).isSameAs(before);
                }
                for (int g = 0; g < 25; g++) {
                    double[] w = randomWeights(rng, tasks);
                    double expectedTotal = referenceTotal(cfg, z, scores, labels, items, tasks, w);
                    String what = "trial " + trial + " request " + request + " sample " + g;
                    assertThat(fresh.total(w)).as(what).isEqualTo(expectedTotal);
                    assertThat(reused.total(w)).as(what).isEqualTo(expectedTotal);
                    assertThat(reused.post(w)).as(what)
                            .isEqualTo(referenceNdcg(cfg, z, labels, items, tasks, w));
                    assertThat(reused.evaluate(w).total()).as(what).isEqualTo(expectedTotal);
                }
            }
        }
    }

    @Test
    void shouldFallBackToThePlainRankingWhenFusedScoresCanBeNaN() {
        // beta 0 and a zero score give z = -infinity; a zero weight then makes 0 * -inf = NaN
        int items = 6;
        int tasks = 2;
        double[] scores = {0.0, 0.5, 0.3, 0.0, 0.9, 0.2, 0.0, 0.1, 0.4, 0.4, 0.6, 0.7};
        double[] labels = {0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0};
        double[] z = Fusion.inputs(FusionKind.LOG_LINEAR, scores, items, tasks, new double[] {0, 0});
        RewardConfig cfg = new RewardConfig(3, new double[] {1, 1}, 1.0, 0.3, 0.05, 0.4, null);
        RequestReward r = new CompositeReward(cfg).prepare(z, scores, labels, items, tasks);
        double[][] ws = {{0.5, 0.5}, {0.0, 1.0}, {1.0, 0.0}, {0.3, 0.7}};
        for (int rep = 0; rep < 3; rep++) {
            for (double[] w : ws) {
                assertThat(r.total(w)).as("w %s", java.util.Arrays.toString(w))
                        .isEqualTo(referenceTotal(cfg, z, scores, labels, items, tasks, w));
            }
        }
    }

    private static double[] randomWeights(Random rng, int tasks) {
        double[] w = new double[tasks];
        double sum = 0;
        for (int t = 0; t < tasks; t++) {
            w[t] = rng.nextInt(6) == 0 ? 0.0 : -Math.log(1 - rng.nextDouble());
            sum += w[t];
        }
        for (int t = 0; t < tasks; t++) {
            w[t] = sum > 0 ? w[t] / sum : 1.0 / tasks;
        }
        return w;
    }

    // ------------------------------------------------------------ the reference, spelled out

    private static double referenceTotal(RewardConfig cfg, double[] z, double[] scores, double[] labels, int items,
                                         int tasks, double[] w) {
        double[] prior = new double[items * tasks];
        Fusion.minMaxColumns(scores, items, tasks, prior);
        double post = referenceNdcg(cfg, z, labels, items, tasks, w);
        double pri = referenceNdcg(cfg, z, prior, items, tasks, w);
        double base = cfg.lambdaPost() * post + cfg.lambdaPrior() * pri;
        double format = base >= cfg.tau() ? cfg.format().satisfiedFraction(w) : 0.0;
        return base + cfg.lambdaFormat() * format;
    }

    /** sum_t c_t DCG_t / IDCG_t over tasks with a positive gain, divided by the sum of their c_t. */
    private static double referenceNdcg(RewardConfig cfg, double[] z, double[] gains, int items, int tasks,
                                        double[] w) {
        int k = Math.min(cfg.ndcgK(), items);
        double[] importance = cfg.taskImportance();
        double[] fused = new double[items];
        Fusion.fuse(z, items, tasks, w, fused);
        int[] order = new int[items];
        Fusion.topK(fused, items, k, order);
        double[] discount = new double[k];
        for (int i = 0; i < k; i++) {
            discount[i] = 1.0 / (Math.log(i + 2) / Math.log(2));
        }
        double norm = 0;
        double[] ideal = new double[tasks];
        for (int t = 0; t < tasks; t++) {
            double[] column = new double[items];
            for (int j = 0; j < items; j++) {
                column[j] = gains[j * tasks + t];
            }
            java.util.Arrays.sort(column);
            if (!(column[items - 1] > 0)) {
                continue;
            }
            double dcg = 0;
            for (int i = 0; i < k; i++) {
                dcg += column[items - 1 - i] * discount[i];
            }
            ideal[t] = dcg;
            norm += importance[t];
        }
        if (norm <= 0) {
            return 0.0;
        }
        double sum = 0;
        for (int t = 0; t < tasks; t++) {
            if (ideal[t] <= 0 || importance[t] == 0) {
                continue;
            }
            double dcg = 0;
            for (int i = 0; i < k; i++) {
                dcg += gains[order[i] * tasks + t] * discount[i];
            }
            sum += importance[t] * dcg / ideal[t];
        }
        return sum / norm;
    }
}
