package io.grade.simulator;

import java.util.Arrays;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.DirichletSampler;

/** Chooses the fusion weights that serve a request when logging a dataset (the behaviour policy). */
@FunctionalInterface
public interface LoggingPolicy {

    /** Weights (on the simplex, one per task) for request r; randomness only from rng. */
    double[] weights(SimRequest r, UniformRandomProvider rng);

    /** The same weights for every request. */
    static LoggingPolicy fixed(double[] weights) {
        double[] w = normalised(weights);
        return (r, rng) -> w.clone();
    }

    /** Equal weights 1/n for every request. */
    static LoggingPolicy uniformWeights(int tasks) {
        double[] w = new double[tasks];
        Arrays.fill(w, 1.0 / tasks);
        return fixed(w);
    }

    /** Weights drawn uniformly on the simplex per request (Dirichlet(1, ..., 1)): maximal exploration. */
    static LoggingPolicy uniformRandom(int tasks) {
        double[] ones = new double[tasks];
        Arrays.fill(ones, 1.0);
        return dirichlet(ones);
    }

    /**
     * Static weights with Dirichlet noise: p ~ Dir(concentration * base), so E[p] = base and larger
     * concentration means less exploration.
     */
    static LoggingPolicy dirichletAround(double[] base, double concentration) {
        if (!(concentration > 0) || Double.isInfinite(concentration)) {
            throw new IllegalArgumentException("concentration must be finite and > 0, got " + concentration);
        }
        double[] mean = normalised(base);
        double[] alpha = new double[mean.length];
        for (int k = 0; k < alpha.length; k++) {
            alpha[k] = concentration * mean[k];
            if (!(alpha[k] > 0)) {
                throw new IllegalArgumentException("every base weight must be > 0 for Dirichlet noise, got "
                        + Arrays.toString(base));
            }
        }
        return dirichlet(alpha);
    }

    private static LoggingPolicy dirichlet(double[] alpha) {
        double[] a = alpha.clone();
        // the sampler binds its generator, so build it per call around the caller's rng
        return (r, rng) -> DirichletSampler.of(rng, a).sample();
    }

    private static double[] normalised(double[] w) {
        if (w == null || w.length == 0) {
            throw new IllegalArgumentException("weights must not be empty");
        }
        double sum = 0;
        for (double v : w) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("weights must be finite and >= 0, got " + Arrays.toString(w));
            }
            sum += v;
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException("weights must not all be 0");
        }
        double[] out = new double[w.length];
        for (int k = 0; k < w.length; k++) {
            out[k] = w[k] / sum;
        }
        return out;
    }
}
