package io.grade.core.explore;

import static io.grade.core.explore.DirichletExplorationTest.centralDifference;
import static io.grade.core.explore.DirichletExplorationTest.relativeError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

class GaussianSoftmaxExplorationTest {

    private static final double GRADIENT_TOLERANCE = 1e-4;
    private static final double TOLERANCE = 1e-12;

    @Test
    void shouldMatchCentralDifferencesForLogDensityAndKlGradientInLogits() {
        GaussianSoftmaxExploration gauss = new GaussianSoftmaxExploration(0.7);
        UniformRandomProvider rng = RandomSource.XO_SHI_RO_256_PP.create(11L);
        int n = 4;
        int groups = 5;
        double[] head = {0.3, -1.2, 0.8, 0.1};
        double[] ref = {0.0, -0.5, 1.0, 0.4};
        double[] weights = new double[groups * n];
        double[] stats = new double[groups * n];
        gauss.sample(head, 0, n, 0, groups, rng, weights, 0, stats, 0);
        double[] coef = {0.5, -1.0, 0.25, 2.0, -0.3};
        double klCoef = 0.2;
        double[] grad = new double[n];
        gauss.addLogDensityGradient(head, 0, n, 0, stats, 0, groups, coef, 0, grad);
        gauss.klAndAddGradient(head, ref, 0, n, 0, klCoef, grad);
        for (int k = 0; k < n; k++) {
            int kk = k;
            double numeric = centralDifference(head[k], x -> {
                double[] h = head.clone();
                h[kk] = x;
                double[] lp = new double[groups];
                gauss.logDensities(h, 0, n, 0, stats, 0, groups, lp, 0);
                double v = 0;
                for (int g = 0; g < groups; g++) {
                    v += coef[g] * lp[g];
                }
                return v + klCoef * gauss.klAndAddGradient(h, ref, 0, n, 0, 0.0, new double[n]);
            });
            assertThat(relativeError(grad[k], numeric)).as("k %d", k).isLessThan(GRADIENT_TOLERANCE);
        }
    }

    @Test
    void shouldSampleSoftmaxOfPerturbedLogitsWithGaussianDensity() {
        double sigma = 0.5;
        GaussianSoftmaxExploration gauss = new GaussianSoftmaxExploration(sigma);
        UniformRandomProvider rng = RandomSource.XO_SHI_RO_256_PP.create(12L);
        int n = 3;
        int samples = 100_000;
        double[] head = {1.0, 0.0, -1.0};
        double[] weights = new double[samples * n];
        double[] stats = new double[samples * n];
        gauss.sample(head, 0, n, 0, samples, rng, weights, 0, stats, 0);
        double[] mean = new double[n];
        double[] var = new double[n];
        for (int g = 0; g < samples; g++) {
            double z = 0;
            for (int k = 0; k < n; k++) {
                z += Math.exp(stats[g * n + k]);
            }
            for (int k = 0; k < n; k++) {
                assertThat(weights[g * n + k]).isCloseTo(Math.exp(stats[g * n + k]) / z, within(TOLERANCE));
                mean[k] += stats[g * n + k];
            }
        }
        for (int k = 0; k < n; k++) {
            mean[k] /= samples;
            for (int g = 0; g < samples; g++) {
                double d = stats[g * n + k] - mean[k];
                var[k] += d * d;
            }
            var[k] /= samples - 1;
            // 5 standard errors: sigma / sqrt(N) for the mean, sigma^2 sqrt(2 / N) for the variance
            assertThat(mean[k]).isCloseTo(head[k], within(5 * sigma / Math.sqrt(samples)));
            assertThat(var[k]).isCloseTo(sigma * sigma, within(5 * sigma * sigma * Math.sqrt(2.0 / samples)));
        }
        double[] lp = new double[1];
        gauss.logDensities(head, 0, n, 0, new double[] {1.0, 0.0, -1.0}, 0, 1, lp, 0);
        assertThat(lp[0]).isCloseTo(-1.5 * Math.log(2 * Math.PI * sigma * sigma), within(TOLERANCE));
    }

    @Test
    void shouldHaveZeroKlToItselfAndScaledSquaredDistanceOtherwise() {
        GaussianSoftmaxExploration gauss = new GaussianSoftmaxExploration(2.0);
        double[] a = {1.0, 2.0};
        assertThat(gauss.klAndAddGradient(a, a, 0, 2, 0, 0, new double[2])).isZero();
        assertThat(gauss.klAndAddGradient(a, new double[] {1.0, 0.0}, 0, 2, 0, 0, new double[2]))
                .isCloseTo(4.0 / 8.0, within(TOLERANCE));
    }
}
