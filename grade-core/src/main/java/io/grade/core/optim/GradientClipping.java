package io.grade.core.optim;

import io.grade.core.policy.Gradients;

/** Gradient clipping by global L2 norm (docs/SPEC.md section 7: clip 1.0). */
public final class GradientClipping {

    private GradientClipping() {}

    /**
     * Scales {@code grads} in place so its global norm is at most {@code maxNorm}.
     *
     * @return the global norm before clipping (for metrics); NaN or infinite when the gradient is
     *     not finite, in which case nothing is scaled
     */
    public static double clipGlobalNorm(Gradients grads, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("maxNorm must be positive, got " + maxNorm);
        }
        double norm = grads.globalNorm();
        if (Double.isFinite(norm) && norm > maxNorm) {
            grads.scale(maxNorm / norm);
        }
        return norm;
    }
}
