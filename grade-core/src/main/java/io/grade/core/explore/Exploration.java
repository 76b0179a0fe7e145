package io.grade.core.explore;

import org.apache.commons.rng.UniformRandomProvider;

/**
 * An exploration distribution over fusion weights, parameterised per request by one row of a
 * policy output (its "head": pi for Dirichlet, the logits for the Gaussian ablation).
 *
 * <p>Every method works on plain row-major arrays: {@code head} is B x n, and the per-sample
 * statistics of one request's group occupy {@code groups * n} consecutive doubles starting at
 * {@code statsOffset}. The GRPO learner draws the samples once per update and then re-evaluates
 * their log densities under the current parameters for every inner epoch, so the statistics hold
 * exactly what the density needs (ln p for Dirichlet, the perturbed logits for the Gaussian).
 *
 * <p>Implementations hold scratch buffers and are not thread-safe: one instance per learner.
 */
public interface Exploration {

    /** The policy output a distribution is parameterised by. */
    enum Head {
        /** The floored softmax pi = (1 - n eps) softmax(logits) + eps; back-propagate with {@code backward}. */
        PI,
        /** The raw logits; back-propagate with {@code backwardLogits}. */
        LOGITS
    }

    /** Which distribution this is. */
    ExplorationKind kind();

    /** The policy output the distribution is parameterised by. */
    Head head();

    /**
     * Draws {@code groups} samples for one request.
     *
     * @param head policy outputs, B x n row-major
     * @param row the request's row in {@code head}
     * @param n number of tasks
     * @param alphaHat current concentration (ignored by distributions that have none)
     * @param groups G, samples to draw
     * @param rng the learner's seeded generator: the only source of randomness
     * @param weights receives the fusion weights on the simplex, G x n from {@code weightsOffset}
     * @param stats receives the per-sample statistics, G x n from {@code statsOffset}
     */
    void sample(double[] head, int row, int n, double alphaHat, int groups, UniformRandomProvider rng,
                double[] weights, int weightsOffset, double[] stats, int statsOffset);

    /**
     * Log densities of one request's G samples under the distribution given by {@code head}'s row.
     *
     * @param out receives G values from {@code outOffset}
     */
    void logDensities(double[] head, int row, int n, double alphaHat, double[] stats, int statsOffset, int groups,
                      double[] out, int outOffset);

    /**
     * Adds {@code sum_g coef[g] * d logDensity_g / d head[row, .]} to {@code grad[row * n .. row * n + n)}.
     *
     * @param coef G coefficients from {@code coefOffset} (e.g. dLoss/dlogDensity)
     */
    void addLogDensityGradient(double[] head, int row, int n, double alphaHat, double[] stats, int statsOffset,
                               int groups, double[] coef, int coefOffset, double[] grad);

    /**
     * KL(current || reference) between the distributions of one request, in closed form, and adds
     * {@code coef * dKL / d head[row, .]} to {@code grad[row * n ..)} when {@code coef != 0}.
     *
     * @param head current policy outputs, B x n
     * @param refHead reference policy outputs, B x n (held fixed: no gradient flows into it)
     */
    double klAndAddGradient(double[] head, double[] refHead, int row, int n, double alphaHat, double coef,
                            double[] grad);
}
