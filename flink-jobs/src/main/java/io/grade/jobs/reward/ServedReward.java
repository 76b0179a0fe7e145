package io.grade.jobs.reward;

import io.grade.model.fusion.Fusion;
import io.grade.model.reward.CompositeReward;
import io.grade.model.reward.RequestReward;
import io.grade.model.reward.RewardBreakdown;
import io.grade.model.reward.RewardConfig;
import io.grade.schemas.FusionKind;

/**
 * Composite reward (docs/SPEC.md section 6) of the ranking serving actually showed: the shown items by
 * position, then the scored-but-unshown ones by their fused score under the served weights. Not
 * thread-safe (one instance per operator instance).
 *
 * <p>The served ranking, R_prior and the satisfied fraction of R_format do not depend on the labels:
 * {@link #rank} computes them once per request, and {@link #evaluate} then gives the whole reward
 * from the sparse labels alone, with the same arithmetic as {@link #compute} (bit for bit).
 */
public final class ServedReward {

    private final CompositeReward reward;
    private final RewardConfig config;
    private final FusionKind fusion;
    private final double[] betas;
    private final double[] importance;
    private final double[] discount;
    private final double[] ideal;
    private double[] top;
    private double[] taskValues;

    public ServedReward(RewardConfig config, FusionKind fusion, double[] betas) {
        this.reward = new CompositeReward(config);
        this.config = config;
        this.fusion = fusion;
        this.betas = betas.clone();
        this.importance = config.taskImportance();
        this.discount = new double[config.ndcgK()];
        for (int i = 0; i < discount.length; i++) {
            discount[i] = 1.0 / log2(i + 2); // as RequestReward
        }
        this.ideal = new double[config.tasks()];
        this.top = new double[0];
        this.taskValues = new double[0];
    }

    /**
     * The label-independent part of the served ranking's reward: its first K = min(ndcgK, items)
     * items, R_prior, and the fraction of format constraints the served weights satisfy.
     */
    public ServedRanking rank(float[] scores, int[] positions, double[] weights) {
        int items = positions.length;
        int tasks = weights.length;
        if (tasks != config.tasks() || scores.length != items * tasks) {
            throw new IllegalArgumentException("scores must be items x tasks = " + items + " x " + config.tasks()
                    + ", got " + scores.length + " scores and " + tasks + " weights");
        }
        double[] s = new double[scores.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores[i];
        }
        int k = Math.min(config.ndcgK(), items);
        int[] topK = servedTopK(positions, s, weights, k);
        // R_prior as RequestReward computes it: min-max normalised scores as gains, ideal DCG per
        // task from the K largest gains, NDCG of the served top K.
        double[] gains = new double[items * tasks];
        Fusion.minMaxColumns(s, items, tasks, gains);
        double norm = RequestReward.idealDcgs(gains, items, tasks, k, discount, importance, new double[k], ideal);
        double prior = 0.0;
        if (norm > 0) {
            double sum = 0;
            for (int t = 0; t < tasks; t++) {
                if (ideal[t] <= 0 || importance[t] == 0) {
                    continue;
                }
                double dcg = 0;
                for (int i = 0; i < k; i++) {
                    dcg += gains[topK[i] * tasks + t] * discount[i];
                }
                sum += importance[t] * dcg / ideal[t];
            }
            prior = sum / norm;
        }
        return new ServedRanking(topK, prior, config.format().satisfiedFraction(weights));
    }

    /**
     * The first k items of {@link #servedRanking}: shown items by position (ties by index), then,
     * only if fewer than k were shown, unshown ones by fused score (the fusion is skipped otherwise).
     */
    private int[] servedTopK(int[] positions, double[] scores, double[] weights, int k) {
        int items = positions.length;
        int tasks = weights.length;
        int[] shown = new int[items];
        int nShown = 0;
        for (int j = 0; j < items; j++) {
            if (positions[j] >= 0) {
                // stable insertion by position
                int i = nShown - 1;
                while (i >= 0 && positions[shown[i]] > positions[j]) {
                    shown[i + 1] = shown[i];
                    i--;
                }
                shown[i + 1] = j;
                nShown++;
            }
        }
        if (nShown >= k) {
            return java.util.Arrays.copyOf(shown, k);
        }
        double[] z = Fusion.inputs(fusion, scores, items, tasks, betas);
        double[] fused = new double[items];
        Fusion.fuse(z, items, tasks, weights, fused);
        return java.util.Arrays.copyOf(servedRanking(positions, fused), k);
    }

    /**
     * Every part of the reward of a served ranking with sparse labels: {@code values[i]} is the
     * label of cell {@code cells[i]} = item * tasks + task for i < count, every other cell is 0.
     */
    public RewardBreakdown evaluate(ServedRanking ranking, int tasks, int[] cells, double[] values, int count) {
        int k = ranking.topK().length;
        if (top.length < k) {
            top = new double[k];
        }
        if (taskValues.length < count) {
            taskValues = new double[count];
        }
        // Ideal DCG per task: the K largest labels in descending order (zeros after the positive ones),
        // summed as RequestReward.idealDcgs sums them.
        double norm = 0;
        for (int t = 0; t < tasks; t++) {
            int n = 0;
            for (int i = 0; i < count; i++) {
                if (cells[i] % tasks == t) {
                    taskValues[n++] = values[i];
                }
            }
            java.util.Arrays.sort(taskValues, 0, n);
            java.util.Arrays.fill(top, 0, k, 0.0);
            for (int i = 0; i < Math.min(n, k); i++) {
                top[i] = taskValues[n - 1 - i];
            }
            if (!(top[0] > 0)) {
                ideal[t] = 0;
                continue;
            }
            double dcg = 0;
            for (int i = 0; i < k; i++) {
                dcg += top[i] * discount[i];
            }
            ideal[t] = dcg;
            norm += importance[t];
        }
        double post = 0.0;
        if (norm > 0) {
            int[] order = ranking.topK();
            double sum = 0;
            for (int t = 0; t < tasks; t++) {
                if (ideal[t] <= 0 || importance[t] == 0) {
                    continue;
                }
                double dcg = 0;
                for (int i = 0; i < k; i++) {
                    dcg += label(order[i] * tasks + t, cells, values, count) * discount[i];
                }
                sum += importance[t] * dcg / ideal[t];
            }
            post = sum / norm;
        }
        // As RequestReward.combine.
        double base = config.lambdaPost() * post + config.lambdaPrior() * ranking.prior();
        double format = base >= config.tau() ? ranking.formatFraction() : 0.0;
        return new RewardBreakdown(post, ranking.prior(), format, base + config.lambdaFormat() * format);
    }

    private static double label(int cell, int[] cells, double[] values, int count) {
        for (int i = 0; i < count; i++) {
            if (cells[i] == cell) {
                return values[i];
            }
        }
        return 0.0;
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    /**
     * @param scores MTL scores, items x tasks
     * @param labels labels, items x tasks
     * @param positions shown position per item, negative if not shown
     * @param weights the served weights (also the p of R_format)
     */
    public RewardBreakdown compute(float[] scores, double[] labels, int[] positions, double[] weights) {
        int items = positions.length;
        int tasks = weights.length;
        double[] s = new double[scores.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores[i];
        }
        double[] z = Fusion.inputs(fusion, s, items, tasks, betas);
        RequestReward r = reward.prepare(z, s, labels, items, tasks);
        double[] fused = new double[items];
        Fusion.fuse(z, items, tasks, weights, fused);
        return r.evaluateRanking(servedRanking(positions, fused), weights);
    }

    /** Item indices in served order: shown items by position, then unshown ones by fused score (stable). */
    static int[] servedRanking(int[] positions, double[] fused) {
        int items = positions.length;
        Integer[] order = new Integer[items];
        for (int j = 0; j < items; j++) {
            order[j] = j;
        }
        java.util.Arrays.sort(order, (a, b) -> {
            boolean shownA = positions[a] >= 0;
            boolean shownB = positions[b] >= 0;
            if (shownA != shownB) {
                return shownA ? -1 : 1;
            }
            if (shownA) {
                return Integer.compare(positions[a], positions[b]);
            }
            return Double.compare(fused[b], fused[a]);
        });
        int[] out = new int[items];
        for (int j = 0; j < items; j++) {
            out[j] = order[j];
        }
        return out;
    }
}
