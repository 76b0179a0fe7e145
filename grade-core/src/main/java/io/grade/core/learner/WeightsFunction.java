package io.grade.core.learner;

import io.grade.model.policy.PolicyForward;

/**
 * A policy as the {@link QualityGate} sees it: fusion weights for a request's features. Either a
 * published {@link PolicyForward} ({@code forward::weights}) or the static fallback weights
 * ({@link #constant}), so a candidate can be judged against whatever serving uses now.
 */
@FunctionalInterface
public interface WeightsFunction {

    /** Writes the weights (one per task) for features {@code x} into {@code out}. */
    void weights(double[] x, double[] out);

    /** The same weights for every request (e.g. the static fallback); {@code w} is copied. */
    static WeightsFunction constant(double[] w) {
        double[] copy = w.clone();
        return (x, out) -> {
            if (out.length != copy.length) {
                throw new IllegalArgumentException("out has length " + out.length + ", the constant weights have "
                        + copy.length);
            }
            System.arraycopy(copy, 0, out, 0, copy.length);
        };
    }

    /** A policy's forward pass with its own scratch: allocation-free, but not thread-safe. */
    static WeightsFunction of(PolicyForward policy) {
        PolicyForward.Scratch scratch = policy.newScratch();
        return (x, out) -> policy.weights(x, out, scratch);
    }
}
