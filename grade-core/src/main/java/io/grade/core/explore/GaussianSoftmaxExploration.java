package io.grade.core.explore;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;

/**
 * The Gaussian-softmax ablation (docs/SPEC.md section 5): u = logits + sigma * N(0, I), p = softmax(u).
 *
 * <p>The sampled object is u, so log densities are the isotropic Gaussian ones over the logits,
 * -|u - mu|^2 / (2 sigma^2) - (n/2) ln(2 pi sigma^2), and gradients flow into the logits
 * (back-propagate with {@code PolicyNetwork.backwardLogits}). The KL to the reference policy is the
 * closed form for two Gaussians with the same covariance, |mu - mu_ref|^2 / (2 sigma^2): the logit
 * analogue of the Dirichlet closed form. Softmax ignores a common shift of the logits while these
 * densities do not; that only adds a direction the reward never sees, and the KL keeps it tied to
 * the reference.
 */
public final class GaussianSoftmaxExploration implements Exploration {

    private final double sigma;
    private final double inverseVariance;
    private final double logNormalisationPerDim;

    /** @param sigma standard deviation of the logit noise, finite and > 0 */
    public GaussianSoftmaxExploration(double sigma) {
        if (!(sigma > 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("gaussianSigma must be finite and > 0, got " + sigma);
        }
        this.sigma = sigma;
        this.inverseVariance = 1.0 / (sigma * sigma);
        this.logNormalisationPerDim = -0.5 * Math.log(2 * Math.PI * sigma * sigma);
    }

    /** The logit noise standard deviation. */
    public double sigma() {
        return sigma;
    }

    @Override
    public ExplorationKind kind() {
        return ExplorationKind.GAUSSIAN_SOFTMAX;
    }

    @Override
    public Head head() {
        return Head.LOGITS;
    }

    @Override
    public void sample(double[] head, int row, int n, double alphaHat, int groups, UniformRandomProvider rng,
                       double[] weights, int weightsOffset, double[] stats, int statsOffset) {
        int o = row * n;
        for (int k = 0; k < n; k++) {
            if (!Double.isFinite(head[o + k])) {
                throw new IllegalArgumentException("logit " + k + " of row " + row + " is not finite: " + head[o + k]);
            }
        }
        // the Ziggurat sampler keeps no state besides the generator, so saving the generator's
        // state is enough to resume the stream exactly
        ZigguratSampler.NormalizedGaussian gauss = ZigguratSampler.NormalizedGaussian.of(rng);
        for (int g = 0; g < groups; g++) {
            int s = statsOffset + g * n;
            int w = weightsOffset + g * n;
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < n; k++) {
                double u = head[o + k] + sigma * gauss.sample();
                stats[s + k] = u;
                max = Math.max(max, u);
            }
            double total = 0;
            for (int k = 0; k < n; k++) {
                double e = Math.exp(stats[s + k] - max);
                weights[w + k] = e;
                total += e;
            }
            for (int k = 0; k < n; k++) {
                weights[w + k] /= total;
            }
        }
    }

    @Override
    public void logDensities(double[] head, int row, int n, double alphaHat, double[] stats, int statsOffset,
                             int groups, double[] out, int outOffset) {
        int o = row * n;
        double c = n * logNormalisationPerDim;
        for (int g = 0; g < groups; g++) {
            int s = statsOffset + g * n;
            double sq = 0;
            for (int k = 0; k < n; k++) {
                double d = stats[s + k] - head[o + k];
                sq += d * d;
            }
            out[outOffset + g] = c - 0.5 * inverseVariance * sq;
        }
    }

    @Override
    public void addLogDensityGradient(double[] head, int row, int n, double alphaHat, double[] stats, int statsOffset,
                                      int groups, double[] coef, int coefOffset, double[] grad) {
        int o = row * n;
        for (int g = 0; g < groups; g++) {
            double cg = coef[coefOffset + g];
            if (cg == 0) {
                continue;
            }
            int s = statsOffset + g * n;
            for (int k = 0; k < n; k++) {
                grad[o + k] += cg * inverseVariance * (stats[s + k] - head[o + k]);
            }
        }
    }

    @Override
    public double klAndAddGradient(double[] head, double[] refHead, int row, int n, double alphaHat, double coef,
                                   double[] grad) {
        int o = row * n;
        double sq = 0;
        for (int k = 0; k < n; k++) {
            double d = head[o + k] - refHead[o + k];
            sq += d * d;
            if (coef != 0) {
                grad[o + k] += coef * inverseVariance * d;
            }
        }
        return 0.5 * inverseVariance * sq;
    }
}
