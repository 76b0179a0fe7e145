package io.grade.simulator;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.DirichletSampler;
import org.apache.commons.rng.sampling.distribution.NormalizedGaussianSampler;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;

/**
 * The users: archetype, hidden preference over the four task roles, and observable features.
 *
 * <p>Features are a noisy nonlinear function of the hidden preference: the centred log-preference
 * goes through a random two-layer tanh network (fixed per world), each output is standardised over
 * the population and gets per-user noise; the remaining dimensions are pure noise. So the signal is
 * spread over many features and no single one identifies the user's intent.
 */
final class Population {

    // Init scale of the random projection: large enough that tanh bends (nonlinear), small enough not to saturate.
    private static final double PROJECTION_GAIN = 1.5;
    private static final double PROJECTION_BIAS = 0.5;

    final int size;
    final int featureDim;
    final int[] archetype;
    /** users x 4, each row on the simplex. */
    final double[] preference;
    final double[] clickBias;
    final double[] orderBias;
    /** users x featureDim: the user's stable features (requests add context drift). */
    final double[] features;

    Population(WorldConfig config, UniformRandomProvider rng) {
        int n = WorldConfig.TASKS;
        size = config.users();
        featureDim = config.featureDim();
        archetype = new int[size];
        preference = new double[size * n];
        clickBias = new double[size];
        orderBias = new double[size];
        features = new double[size * featureDim];

        double[][] centroids = config.archetypeCentroids();
        double[] cumulative = cumulativeShares(config.archetypeShares());
        DirichletSampler[] preferenceSamplers = new DirichletSampler[centroids.length];
        for (int a = 0; a < centroids.length; a++) {
            double[] alpha = new double[n];
            for (int k = 0; k < n; k++) {
                alpha[k] = config.preferenceConcentration() * centroids[a][k];
            }
            preferenceSamplers[a] = DirichletSampler.of(rng, alpha);
        }
        for (int u = 0; u < size; u++) {
            int a = pick(cumulative, rng.nextDouble());
            archetype[u] = a;
            double[] p = preferenceSamplers[a].sample();
            for (int k = 0; k < n; k++) {
                // a Dirichlet draw can underflow to 0 for tiny alphas; keep the log finite
                preference[u * n + k] = Math.max(p[k], 1e-9);
            }
            // A click-leaning user clicks more and orders less; a purchase-leaning one the opposite.
            double lean = (n * preference[u * n + WorldConfig.CLICK] - 1) / (n - 1);
            clickBias[u] = config.userBias() * lean;
            orderBias[u] = -config.userBias() * lean;
        }
        project(config, rng);
    }

    private void project(WorldConfig config, UniformRandomProvider rng) {
        int n = WorldConfig.TASKS;
        int hidden = config.featureHiddenUnits();
        int informative = config.informativeFeatures();
        NormalizedGaussianSampler gauss = ZigguratSampler.NormalizedGaussian.of(rng);
        double[] w1 = new double[hidden * n];
        double[] b1 = new double[hidden];
        double[] w2 = new double[informative * hidden];
        double[] b2 = new double[informative];
        fill(w1, gauss, PROJECTION_GAIN / Math.sqrt(n));
        fill(b1, gauss, PROJECTION_BIAS);
        fill(w2, gauss, PROJECTION_GAIN / Math.sqrt(hidden));
        fill(b2, gauss, PROJECTION_BIAS);

        double[] h = new double[n];
        double[] a1 = new double[hidden];
        for (int u = 0; u < size; u++) {
            double meanLog = 0;
            for (int k = 0; k < n; k++) {
                h[k] = Math.log(preference[u * n + k]);
                meanLog += h[k] / n;
            }
            for (int k = 0; k < n; k++) {
                h[k] -= meanLog;
            }
            for (int i = 0; i < hidden; i++) {
                double s = b1[i];
                for (int k = 0; k < n; k++) {
                    s += w1[i * n + k] * h[k];
                }
                a1[i] = Math.tanh(s);
            }
            int row = u * featureDim;
            for (int o = 0; o < informative; o++) {
                double s = b2[o];
                for (int i = 0; i < hidden; i++) {
                    s += w2[o * hidden + i] * a1[i];
                }
                features[row + o] = Math.tanh(s);
            }
        }
        standardise(informative);
        for (int u = 0; u < size; u++) {
            int row = u * featureDim;
            for (int o = 0; o < informative; o++) {
                features[row + o] += config.featureNoise() * gauss.sample();
            }
            for (int o = informative; o < featureDim; o++) {
                features[row + o] = gauss.sample();
            }
        }
    }

    /** Standardises the first {@code columns} features over the population so every feature has unit scale. */
    private void standardise(int columns) {
        for (int o = 0; o < columns; o++) {
            double sum = 0;
            double sq = 0;
            for (int u = 0; u < size; u++) {
                double v = features[u * featureDim + o];
                sum += v;
                sq += v * v;
            }
            double mean = sum / size;
            double sd = Math.sqrt(Math.max(sq / size - mean * mean, 1e-12));
            for (int u = 0; u < size; u++) {
                features[u * featureDim + o] = (features[u * featureDim + o] - mean) / sd;
            }
        }
    }

    private static void fill(double[] a, NormalizedGaussianSampler gauss, double scale) {
        for (int i = 0; i < a.length; i++) {
            a[i] = scale * gauss.sample();
        }
    }

    private static double[] cumulativeShares(double[] shares) {
        double total = 0;
        for (double s : shares) {
            total += s;
        }
        double[] c = new double[shares.length];
        double acc = 0;
        for (int i = 0; i < shares.length; i++) {
            acc += shares[i] / total;
            c[i] = acc;
        }
        c[c.length - 1] = 1.0;
        return c;
    }

    private static int pick(double[] cumulative, double u) {
        for (int i = 0; i < cumulative.length; i++) {
            if (u < cumulative[i]) {
                return i;
            }
        }
        return cumulative.length - 1;
    }
}
