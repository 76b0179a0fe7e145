package io.grade.core.grpo;

import io.grade.core.explore.Exploration;

/**
 * The GRPO loss of one inner epoch as a function of the current policy's head (pi or logits,
 * B x n) with everything else fixed: the samples, their log densities under the sampling policy,
 * the advantages and the reference head. Returns the loss and writes d loss / d head, which the
 * learner back-propagates through the network.
 *
 * <p>loss = -(1/(B G)) sum_bg min(rho_bg A_bg, clip(rho_bg, 1 - eps, 1 + eps) A_bg)
 * + klCoef (1/B) sum_b KL(pi_theta(x_b) || pi_ref(x_b)), with the closed-form KL of the
 * exploration distribution (Dirichlet, or Gaussian over logits for the ablation).
 */
public final class GrpoLoss {

    private GrpoLoss() {}

    /**
     * Evaluates the loss and its gradient with respect to {@code head}.
     *
     * @param head current policy head, B x n
     * @param refHead reference policy head, B x n; ignored when {@code klCoef == 0} (may be null then)
     * @param stats per-sample statistics from {@link Exploration#sample}, B x G x n
     * @param logpOld log densities under the sampling policy, B x G
     * @param advantages B x G
     * @param logpNew scratch, B x G: receives the log densities under {@code head}
     * @param dLogpNew scratch, B x G: receives d loss / d logpNew
     * @param dHead receives d loss / d head, B x n (overwritten)
     */
    public static Value evaluate(Exploration exploration, double[] head, double[] refHead, int requests, int tasks,
                                 int groups, double alphaHat, double[] stats, double[] logpOld, double[] advantages,
                                 double clipEpsilon, double klCoef, double[] logpNew, double[] dLogpNew,
                                 double[] dHead) {
        int samples = requests * groups;
        int width = groups * tasks;
        for (int b = 0; b < requests; b++) {
            exploration.logDensities(head, b, tasks, alphaHat, stats, b * width, groups, logpNew, b * groups);
        }
        GrpoObjective.Surrogate surrogate = GrpoObjective.clippedSurrogate(logpNew, logpOld, advantages, samples,
                clipEpsilon, 1.0 / samples, dLogpNew);
        java.util.Arrays.fill(dHead, 0, requests * tasks, 0.0);
        for (int b = 0; b < requests; b++) {
            exploration.addLogDensityGradient(head, b, tasks, alphaHat, stats, b * width, groups, dLogpNew,
                    b * groups, dHead);
        }
        double kl = 0;
        if (klCoef > 0) {
            double perRequest = klCoef / requests;
            for (int b = 0; b < requests; b++) {
                kl += exploration.klAndAddGradient(head, refHead, b, tasks, alphaHat, perRequest, dHead);
            }
            kl /= requests;
        }
        return new Value(surrogate.loss() + klCoef * kl, surrogate.loss(), kl, surrogate.clipped());
    }

    /**
     * One evaluation of the loss.
     *
     * @param loss surrogate + klCoef * kl
     * @param surrogate the clipped surrogate part
     * @param kl mean KL(pi_theta || pi_ref) over the batch (0 when klCoef is 0)
     * @param clipped samples whose gradient the ratio clip zeroed
     */
    public record Value(double loss, double surrogate, double kl, int clipped) {}
}
