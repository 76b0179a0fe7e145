package io.grade.serving;

import io.grade.model.fusion.Fusion;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.DirichletSampler;

/**
 * Ranks candidates with a serving policy (docs/SPEC.md section 3), optionally exploring around
 * pi(x) with Dirichlet(max(alphaHat * pi, alphaMin)) draws from a generator the caller seeds.
 */
public final class Ranker {

    private Ranker() {}

    /**
     * Ranks by f_j = fusion of the scores with pi(x).
     *
     * @param scores MTL scores, items x tasks row-major, tasks in the policy's task order
     */
    public static Ranking rank(ServingPolicy policy, float[] features, double[] scores, int items) {
        double[] w = new double[policy.tasks()];
        policy.weights(features, w);
        return rankWith(policy, w, scores, items);
    }

    /** Like {@link #rank} but with weights drawn from Dir(max(alphaHat * pi, alphaMin)) (static policies do not explore). */
    public static Ranking rankExploring(ServingPolicy policy, float[] features, double[] scores, int items,
                                        UniformRandomProvider rng) {
        double[] w = new double[policy.tasks()];
        policy.weights(features, w);
        if (!policy.isStatic()) {
            double[] alpha = new double[w.length];
            for (int k = 0; k < w.length; k++) {
                alpha[k] = Math.max(policy.alphaHat() * w[k], policy.alphaMin());
            }
            w = DirichletSampler.of(rng, alpha).sample();
        }
        return rankWith(policy, w, scores, items);
    }

    /** Ranks with given weights (for example fixed static weights, to compare on the same traffic). */
    public static Ranking rankWith(ServingPolicy policy, double[] weights, double[] scores, int items) {
        int tasks = policy.tasks();
        double[] z = Fusion.inputs(policy.fusion(), scores, items, tasks, policy.betasView());
        double[] fused = new double[items];
        Fusion.fuse(z, items, tasks, weights, fused);
        int[] order = new int[items];
        Fusion.rankDescending(fused, items, order);
        return new Ranking(order, weights.clone(), policy.version());
    }
}
