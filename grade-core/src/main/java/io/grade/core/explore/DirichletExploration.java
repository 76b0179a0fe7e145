package io.grade.core.explore;

import org.apache.commons.numbers.gamma.Digamma;
import org.apache.commons.numbers.gamma.LogGamma;
import org.apache.commons.numbers.gamma.Trigamma;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.AhrensDieterMarsagliaTsangGammaSampler;
import org.apache.commons.rng.sampling.distribution.ContinuousSampler;

/**
 * Dirichlet exploration (docs/SPEC.md section 5): alpha = max(alphaHat * pi, alphaMin), p ~ Dir(alpha)
 * drawn as normalised Gamma(alpha_k, 1) variates.
 *
 * <p>The static methods are the maths (log density, its gradient, the closed-form KL and its
 * gradient, all with respect to alpha); the instance methods apply them per request row and chain
 * the gradients to pi. Gradients through the alphaMin clamp are zero where it is active
 * ({@code alphaHat * pi_k <= alphaMin}), the subgradient of max at the kink included.
 *
 * <p>Log densities are evaluated at {@code max(p_k, P_FLOOR)}: a Gamma draw with a small shape can
 * underflow to 0, and ln 0 would make the ratio and its gradient non-finite. The same clamped ln p
 * is used for the sampling and the current policy, so the ratio stays consistent.
 */
public final class DirichletExploration implements Exploration {

    /** Smallest p_k used inside ln p_k (ln P_FLOOR ~ -69); see the class comment. */
    public static final double P_FLOOR = 1e-30;

    /**
     * Smallest allowed alphaMin: below it Gamma(alpha) draws underflow to 0 so often that the group
     * degenerates (P(X < 1e-300) ~ 1e-300^alpha).
     */
    public static final double MIN_ALPHA_MIN = 1e-2;

    /** Re-draws of a sample whose Gamma variates all underflowed, before giving up. */
    private static final int MAX_REDRAWS = 1000;

    private final double alphaMin;
    private double[] alpha = new double[0];
    private double[] alphaRef = new double[0];
    private double[] gradAlpha = new double[0];
    private ContinuousSampler[] samplers = new ContinuousSampler[0];

    /** @param alphaMin lower clamp of every concentration, >= {@link #MIN_ALPHA_MIN} */
    public DirichletExploration(double alphaMin) {
        if (!(alphaMin >= MIN_ALPHA_MIN) || !Double.isFinite(alphaMin)) {
            throw new IllegalArgumentException("alphaMin must be finite and >= " + MIN_ALPHA_MIN + ", got " + alphaMin);
        }
        this.alphaMin = alphaMin;
    }

    /** The lower clamp of every concentration. */
    public double alphaMin() {
        return alphaMin;
    }

    @Override
    public ExplorationKind kind() {
        return ExplorationKind.DIRICHLET;
    }

    @Override
    public Head head() {
        return Head.PI;
    }

    // ---------------------------------------------------------------- maths on alpha

    /** out[k] = max(alphaHat * pi[offset + k], alphaMin) for k < n. */
    public static void concentration(double[] pi, int offset, int n, double alphaHat, double alphaMin, double[] out) {
        for (int k = 0; k < n; k++) {
            out[k] = Math.max(alphaHat * pi[offset + k], alphaMin);
        }
    }

    /** ln p clamped at {@link #P_FLOOR}: the value every log density here uses. */
    public static double logFloored(double p) {
        return Math.log(Math.max(p, P_FLOOR));
    }

    /** lnGamma(sum alpha) - sum lnGamma(alpha_k) over the first n entries. */
    public static double logNormaliser(double[] alpha, int n) {
        double a0 = 0;
        double s = 0;
        for (int k = 0; k < n; k++) {
            a0 += alpha[k];
            s += LogGamma.value(alpha[k]);
        }
        return LogGamma.value(a0) - s;
    }

    /** log Dir(p | alpha) = lnGamma(sum a) - sum lnGamma(a_k) + sum (a_k - 1) ln p_k (p clamped at P_FLOOR). */
    public static double logDensity(double[] p, double[] alpha) {
        requireSameLength(p, alpha);
        double v = logNormaliser(alpha, alpha.length);
        for (int k = 0; k < alpha.length; k++) {
            v += (alpha[k] - 1) * logFloored(p[k]);
        }
        return v;
    }

    /** out[k] = d log Dir(p | alpha) / d alpha_k = digamma(sum a) - digamma(a_k) + ln p_k. */
    public static void logDensityGradient(double[] p, double[] alpha, double[] out) {
        requireSameLength(p, alpha);
        double a0 = sum(alpha, alpha.length);
        double psi0 = Digamma.value(a0);
        for (int k = 0; k < alpha.length; k++) {
            out[k] = psi0 - Digamma.value(alpha[k]) + logFloored(p[k]);
        }
    }

    /**
     * Closed-form KL(Dir(a) || Dir(b)) = lnGamma(a0) - sum lnGamma(a_k) - lnGamma(b0) + sum lnGamma(b_k)
     * + sum (a_k - b_k)(digamma(a_k) - digamma(a0)), over the first n entries.
     */
    public static double kl(double[] a, double[] b, int n) {
        double a0 = sum(a, n);
        double psiA0 = Digamma.value(a0);
        double v = logNormaliser(a, n) - logNormaliser(b, n);
        for (int k = 0; k < n; k++) {
            v += (a[k] - b[k]) * (Digamma.value(a[k]) - psiA0);
        }
        return v;
    }

    /**
     * out[k] = d KL(Dir(a) || Dir(b)) / d a_k = (a_k - b_k) trigamma(a_k) - (a0 - b0) trigamma(a0):
     * the digamma terms of the direct derivative cancel.
     */
    public static void klGradient(double[] a, double[] b, int n, double[] out) {
        double a0 = sum(a, n);
        double b0 = sum(b, n);
        double common = (a0 - b0) * Trigamma.value(a0);
        for (int k = 0; k < n; k++) {
            out[k] = (a[k] - b[k]) * Trigamma.value(a[k]) - common;
        }
    }

    // ---------------------------------------------------------------- per request row

    @Override
    public void sample(double[] head, int row, int n, double alphaHat, int groups, UniformRandomProvider rng,
                       double[] weights, int weightsOffset, double[] stats, int statsOffset) {
        ensureCapacity(n);
        concentration(head, row * n, n, alphaHat, alphaMin, alpha);
        for (int k = 0; k < n; k++) {
            if (!Double.isFinite(alpha[k])) {
                // the Marsaglia-Tsang loop never accepts with a NaN shape: refuse instead of hanging
                throw new IllegalArgumentException("concentration " + k + " of row " + row + " is not finite: " + alpha[k]);
            }
            // fresh samplers per request: none of them keeps hidden state between requests, so the
            // generator's saved state alone determines every later draw (exact checkpoint resume)
            samplers[k] = AhrensDieterMarsagliaTsangGammaSampler.of(rng, alpha[k], 1.0);
        }
        for (int g = 0; g < groups; g++) {
            int w = weightsOffset + g * n;
            double total = 0;
            for (int attempt = 0; total <= 0; attempt++) {
                if (attempt == MAX_REDRAWS) {
                    throw new IllegalStateException("every Gamma draw underflowed " + MAX_REDRAWS + " times for row " + row);
                }
                total = 0;
                for (int k = 0; k < n; k++) {
                    double x = samplers[k].sample();
                    weights[w + k] = x;
                    total += x;
                }
            }
            int s = statsOffset + g * n;
            for (int k = 0; k < n; k++) {
                double p = weights[w + k] / total;
                weights[w + k] = p;
                stats[s + k] = logFloored(p);
            }
        }
    }

    @Override
    public void logDensities(double[] head, int row, int n, double alphaHat, double[] stats, int statsOffset,
                             int groups, double[] out, int outOffset) {
        ensureCapacity(n);
        concentration(head, row * n, n, alphaHat, alphaMin, alpha);
        double c = logNormaliser(alpha, n);
        for (int g = 0; g < groups; g++) {
            int s = statsOffset + g * n;
            double v = c;
            for (int k = 0; k < n; k++) {
                v += (alpha[k] - 1) * stats[s + k];
            }
            out[outOffset + g] = v;
        }
    }

    @Override
    public void addLogDensityGradient(double[] head, int row, int n, double alphaHat, double[] stats, int statsOffset,
                                      int groups, double[] coef, int coefOffset, double[] grad) {
        ensureCapacity(n);
        concentration(head, row * n, n, alphaHat, alphaMin, alpha);
        // sum_g c_g (psi(a0) - psi(a_k) + ln p_gk) = C (psi(a0) - psi(a_k)) + sum_g c_g ln p_gk
        double total = 0;
        for (int k = 0; k < n; k++) {
            gradAlpha[k] = 0;
        }
        for (int g = 0; g < groups; g++) {
            double cg = coef[coefOffset + g];
            if (cg == 0) {
                continue;
            }
            total += cg;
            int s = statsOffset + g * n;
            for (int k = 0; k < n; k++) {
                gradAlpha[k] += cg * stats[s + k];
            }
        }
        if (total == 0 && allZero(gradAlpha, n)) {
            return;
        }
        double psi0 = Digamma.value(sum(alpha, n));
        for (int k = 0; k < n; k++) {
            gradAlpha[k] += total * (psi0 - Digamma.value(alpha[k]));
        }
        chainToPi(head, row, n, alphaHat, gradAlpha, 1.0, grad);
    }

    @Override
    public double klAndAddGradient(double[] head, double[] refHead, int row, int n, double alphaHat, double coef,
                                   double[] grad) {
        ensureCapacity(n);
        concentration(head, row * n, n, alphaHat, alphaMin, alpha);
        concentration(refHead, row * n, n, alphaHat, alphaMin, alphaRef);
        double v = kl(alpha, alphaRef, n);
        if (coef != 0) {
            klGradient(alpha, alphaRef, n, gradAlpha);
            chainToPi(head, row, n, alphaHat, gradAlpha, coef, grad);
        }
        return v;
    }

    /** grad[row, k] += coef * alphaHat * dAlpha[k] where the clamp is inactive (d alpha_k / d pi_k = alphaHat). */
    private void chainToPi(double[] head, int row, int n, double alphaHat, double[] dAlpha, double coef, double[] grad) {
        int o = row * n;
        for (int k = 0; k < n; k++) {
            if (alphaHat * head[o + k] > alphaMin) {
                grad[o + k] += coef * alphaHat * dAlpha[k];
            }
        }
    }

    private void ensureCapacity(int n) {
        if (alpha.length != n) {
            alpha = new double[n];
            alphaRef = new double[n];
            gradAlpha = new double[n];
            samplers = new ContinuousSampler[n];
        }
    }

    private static boolean allZero(double[] a, int n) {
        for (int k = 0; k < n; k++) {
            if (a[k] != 0) {
                return false;
            }
        }
        return true;
    }

    private static double sum(double[] a, int n) {
        double s = 0;
        for (int k = 0; k < n; k++) {
            s += a[k];
        }
        return s;
    }

    private static void requireSameLength(double[] p, double[] alpha) {
        if (p.length != alpha.length) {
            throw new IllegalArgumentException("p has " + p.length + " entries, alpha has " + alpha.length);
        }
    }
}
