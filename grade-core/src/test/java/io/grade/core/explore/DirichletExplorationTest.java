package io.grade.core.explore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.function.DoubleUnaryOperator;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

class DirichletExplorationTest {

    /** Relative error allowed between analytic gradients and central differences (docs/SPEC.md section 7). */
    private static final double GRADIENT_TOLERANCE = 1e-4;
    /** Central difference step: truncation O(h^2) ~ 1e-10 and rounding ~ 1e-16 / h ~ 1e-11. */
    private static final double H = 1e-5;
    /** Exact identities up to double rounding. */
    private static final double TOLERANCE = 1e-12;

    @Test
    void shouldMatchClosedFormDensityOfUniformDirichlet() {
        // Dir(1, 1, 1) is uniform on the 2-simplex whose density is Gamma(3) = 2 everywhere
        double v = DirichletExploration.logDensity(new double[] {0.2, 0.3, 0.5}, new double[] {1, 1, 1});
        assertThat(v).isCloseTo(Math.log(2), within(TOLERANCE));
        // Dir(2, 1): p1 ~ Beta(2, 1), density 2 p1
        double w = DirichletExploration.logDensity(new double[] {0.7, 0.3}, new double[] {2, 1});
        assertThat(w).isCloseTo(Math.log(2 * 0.7), within(TOLERANCE));
    }

    @Test
    void shouldMatchCentralDifferencesForLogDensityGradientInAlpha() {
        UniformRandomProvider rng = RandomSource.XO_SHI_RO_256_PP.create(1L);
        for (int trial = 0; trial < 20; trial++) {
            int n = 2 + trial % 4;
            double[] alpha = new double[n];
            double[] p = randomSimplex(rng, n);
            for (int k = 0; k < n; k++) {
                alpha[k] = 0.1 + 20 * rng.nextDouble();
            }
            double[] grad = new double[n];
            DirichletExploration.logDensityGradient(p, alpha, grad);
            for (int k = 0; k < n; k++) {
                int kk = k;
                double numeric = centralDifference(alpha[k], x -> {
                    double[] a = alpha.clone();
                    a[kk] = x;
                    return DirichletExploration.logDensity(p, a);
                });
                assertThat(relativeError(grad[k], numeric)).as("trial %d k %d", trial, k).isLessThan(GRADIENT_TOLERANCE);
            }
        }
    }

    @Test
    void shouldMatchCentralDifferencesForClosedFormKlGradient() {
        UniformRandomProvider rng = RandomSource.XO_SHI_RO_256_PP.create(2L);
        for (int trial = 0; trial < 20; trial++) {
            int n = 2 + trial % 4;
            double[] a = new double[n];
            double[] b = new double[n];
            for (int k = 0; k < n; k++) {
                a[k] = 0.1 + 15 * rng.nextDouble();
                b[k] = 0.1 + 15 * rng.nextDouble();
            }
            double[] grad = new double[n];
            DirichletExploration.klGradient(a, b, n, grad);
            for (int k = 0; k < n; k++) {
                int kk = k;
                double numeric = centralDifference(a[k], x -> {
                    double[] aa = a.clone();
                    aa[kk] = x;
                    return DirichletExploration.kl(aa, b, n);
                });
                assertThat(relativeError(grad[k], numeric)).as("trial %d k %d", trial, k).isLessThan(GRADIENT_TOLERANCE);
            }
        }
    }

    @Test
    void shouldGiveZeroKlForIdenticalAndPositiveForDifferentConcentrations() {
        double[] a = {1.5, 2.5, 6.0};
        assertThat(DirichletExploration.kl(a, a, 3)).isCloseTo(0.0, within(TOLERANCE));
        assertThat(DirichletExploration.kl(a, new double[] {3.0, 2.0, 5.0}, 3)).isPositive();
    }

    @Test
    void shouldAgreeWithMonteCarloKlEstimate() {
        // the closed form must equal E_{p ~ Dir(a)}[log Dir(p|a) - log Dir(p|b)]
        double[] a = {2.0, 3.0, 5.0};
        double[] b = {4.0, 2.0, 2.5};
        DirichletExploration dir = new DirichletExploration(0.01);
        UniformRandomProvider rng = RandomSource.XO_SHI_RO_256_PP.create(3L);
        int samples = 200_000;
        double[] weights = new double[samples * 3];
        double[] stats = new double[samples * 3];
        // alphaHat = 1 and head = a make the concentrations exactly a
        dir.sample(a, 0, 3, 1.0, samples, rng, weights, 0, stats, 0);
        double sum = 0;
        double sumSq = 0;
        double[] p = new double[3];
        for (int g = 0; g < samples; g++) {
            System.arraycopy(weights, g * 3, p, 0, 3);
            double d = DirichletExploration.logDensity(p, a) - DirichletExploration.logDensity(p, b);
            sum += d;
            sumSq += d * d;
        }
        double mean = sum / samples;
        double se = Math.sqrt((sumSq / samples - mean * mean) / samples);
        // 5 standard errors: a wrong closed form (e.g. a sign or a missing digamma term) is off by far more
        assertThat(DirichletExploration.kl(a, b, 3)).isCloseTo(mean, within(5 * se));
    }

    @Test
    void shouldMatchDirichletMeanAndVarianceWhenSampling() {
        double[] alpha = {0.5, 1.5, 3.0, 7.0};
        double alpha0 = 12.0;
        DirichletExploration dir = new DirichletExploration(0.01);
        UniformRandomProvider rng = RandomSource.XO_SHI_RO_256_PP.create(4L);
        int n = alpha.length;
        int samples = 200_000;
        double[] weights = new double[samples * n];
        double[] stats = new double[samples * n];
        // alphaHat = 1 and head = alpha make the concentrations exactly alpha
        dir.sample(alpha, 0, n, 1.0, samples, rng, weights, 0, stats, 0);
        for (int g = 0; g < samples; g++) {
            double s = 0;
            for (int k = 0; k < n; k++) {
                s += weights[g * n + k];
                assertThat(stats[g * n + k]).isEqualTo(DirichletExploration.logFloored(weights[g * n + k]));
            }
            assertThat(s).isCloseTo(1.0, within(1e-12));
        }
        for (int k = 0; k < n; k++) {
            double m1 = 0;
            for (int g = 0; g < samples; g++) {
                m1 += weights[g * n + k];
            }
            m1 /= samples;
            double m2 = 0;
            double m4 = 0;
            for (int g = 0; g < samples; g++) {
                double d = weights[g * n + k] - m1;
                m2 += d * d;
                m4 += d * d * d * d;
            }
            m2 /= samples - 1;
            m4 /= samples;
            double expectedMean = alpha[k] / alpha0;
            double expectedVar = alpha[k] * (alpha0 - alpha[k]) / (alpha0 * alpha0 * (alpha0 + 1));
            // tolerances: 5 standard errors of the estimator (mean: sqrt(var / N); variance:
            // sqrt((m4 - var^2) / N) with the sample fourth central moment); a sampler with the
            // wrong concentration scale (alpha0 off by 10 %) moves the variance by ~10 % which is
            // more than 5 standard errors (~1.5 %) here
            double seMean = Math.sqrt(expectedVar / samples);
            double seVar = Math.sqrt((m4 - m2 * m2) / samples);
            assertThat(m1).as("mean of p_%d", k).isCloseTo(expectedMean, within(5 * seMean));
            assertThat(m2).as("variance of p_%d", k).isCloseTo(expectedVar, within(5 * seVar));
            assertThat(5 * seVar).isLessThan(0.05 * expectedVar);
        }
    }

    @Test
    void shouldApplyAlphaMinClampAndZeroItsGradient() {
        DirichletExploration dir = new DirichletExploration(0.5);
        double alphaHat = 5.0;
        // component 2 is clamped: 5 * 0.05 = 0.25 < 0.5
        double[] pi = {0.6, 0.35, 0.05};
        double[] alpha = new double[3];
        DirichletExploration.concentration(pi, 0, 3, alphaHat, 0.5, alpha);
        assertThat(alpha).containsExactly(3.0, 1.75, 0.5);
        double[] stats = {Math.log(0.5), Math.log(0.3), Math.log(0.2)};
        double[] grad = new double[3];
        dir.addLogDensityGradient(pi, 0, 3, alphaHat, stats, 0, 1, new double[] {1.0}, 0, grad);
        assertThat(grad[2]).isZero();
        assertThat(grad[0]).isNotZero();
        double[] ref = {0.4, 0.4, 0.2};
        double[] klGrad = new double[3];
        dir.klAndAddGradient(pi, ref, 0, 3, alphaHat, 1.0, klGrad);
        assertThat(klGrad[2]).isZero();
        assertThat(klGrad[0]).isNotZero();
    }

    @Test
    void shouldMatchCentralDifferencesThroughChainRuleToPi() {
        DirichletExploration dir = new DirichletExploration(0.1);
        UniformRandomProvider rng = RandomSource.XO_SHI_RO_256_PP.create(5L);
        int n = 4;
        int groups = 6;
        double alphaHat = 7.5;
        double[] head = {0.1, 0.2, 0.3, 0.4, 0.25, 0.25, 0.3, 0.2};
        double[] ref = {0.2, 0.2, 0.3, 0.3, 0.4, 0.1, 0.3, 0.2};
        int row = 1;
        double[] weights = new double[groups * n];
        double[] stats = new double[groups * n];
        dir.sample(head, row, n, alphaHat, groups, rng, weights, 0, stats, 0);
        double[] coef = new double[groups];
        for (int g = 0; g < groups; g++) {
            coef[g] = rng.nextDouble() * 2 - 1;
        }
        double klCoef = 0.3;
        double[] grad = new double[head.length];
        dir.addLogDensityGradient(head, row, n, alphaHat, stats, 0, groups, coef, 0, grad);
        dir.klAndAddGradient(head, ref, row, n, alphaHat, klCoef, grad);
        // the first row is not touched
        for (int k = 0; k < n; k++) {
            assertThat(grad[k]).isZero();
        }
        for (int k = 0; k < n; k++) {
            int idx = row * n + k;
            double numeric = centralDifference(head[idx], x -> {
                double[] h = head.clone();
                h[idx] = x;
                double[] lp = new double[groups];
                dir.logDensities(h, row, n, alphaHat, stats, 0, groups, lp, 0);
                double v = 0;
                for (int g = 0; g < groups; g++) {
                    v += coef[g] * lp[g];
                }
                return v + klCoef * dir.klAndAddGradient(h, ref, row, n, alphaHat, 0.0, new double[h.length]);
            });
            assertThat(relativeError(grad[idx], numeric)).as("k %d", k).isLessThan(GRADIENT_TOLERANCE);
        }
    }

    @Test
    void shouldReturnLogDensitiesEqualToStaticFormula() {
        DirichletExploration dir = new DirichletExploration(0.1);
        UniformRandomProvider rng = RandomSource.XO_SHI_RO_256_PP.create(6L);
        double[] head = {0.5, 0.3, 0.2};
        double[] weights = new double[5 * 3];
        double[] stats = new double[5 * 3];
        dir.sample(head, 0, 3, 5.0, 5, rng, weights, 0, stats, 0);
        double[] lp = new double[5];
        dir.logDensities(head, 0, 3, 5.0, stats, 0, 5, lp, 0);
        double[] alpha = {2.5, 1.5, 1.0};
        for (int g = 0; g < 5; g++) {
            double[] p = {weights[g * 3], weights[g * 3 + 1], weights[g * 3 + 2]};
            assertThat(lp[g]).isCloseTo(DirichletExploration.logDensity(p, alpha), within(TOLERANCE));
        }
    }

    @Test
    void shouldRefuseNonFiniteConcentrationInsteadOfHanging() {
        DirichletExploration dir = new DirichletExploration(0.1);
        UniformRandomProvider rng = RandomSource.XO_SHI_RO_256_PP.create(7L);
        double[] head = {Double.NaN, 0.5, 0.5};
        assertThatThrownBy(() -> dir.sample(head, 0, 3, 5.0, 2, rng, new double[6], 0, new double[6], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not finite");
    }

    @Test
    void shouldRejectTooSmallAlphaMin() {
        assertThatThrownBy(() -> new DirichletExploration(1e-4)).hasMessageContaining("alphaMin");
    }

    static double centralDifference(double x, DoubleUnaryOperator f) {
        double h = H * Math.max(1.0, Math.abs(x));
        return (f.applyAsDouble(x + h) - f.applyAsDouble(x - h)) / (2 * h);
    }

    static double relativeError(double analytic, double numeric) {
        return Math.abs(analytic - numeric) / Math.max(1e-8, Math.max(Math.abs(analytic), Math.abs(numeric)));
    }

    private static double[] randomSimplex(UniformRandomProvider rng, int n) {
        double[] p = new double[n];
        double s = 0;
        for (int k = 0; k < n; k++) {
            p[k] = 0.05 + rng.nextDouble();
            s += p[k];
        }
        for (int k = 0; k < n; k++) {
            p[k] /= s;
        }
        return p;
    }
}
