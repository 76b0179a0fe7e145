package io.grade.jobs.reward;

import io.grade.model.fusion.Fusion;
import io.grade.model.reward.CompositeReward;
import io.grade.model.reward.RequestReward;
import io.grade.model.reward.RewardBreakdown;
import io.grade.model.reward.RewardConfig;
import io.grade.schemas.FusionKind;

/**
 * Composite reward (GRADE-SPEC section 6) of the ranking serving actually showed: the shown items by
 * position, then the scored-but-unshown ones by their fused score under the served weights. Not
 * thread-safe (one instance per operator instance).
 */
public final class ServedReward {

    private final CompositeReward reward;
    private final FusionKind fusion;
    private final double[] betas;

    public ServedReward(RewardConfig config, FusionKind fusion, double[] betas) {
        this.reward = new CompositeReward(config);
        this.fusion = fusion;
        this.betas = betas.clone();
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
