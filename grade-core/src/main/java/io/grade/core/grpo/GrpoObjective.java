package io.grade.core.grpo;

/**
 * The critic-free parts of the GRPO objective (docs/SPEC.md section 7) on plain arrays: group-relative
 * advantages and the clipped surrogate with its derivative. Stateless; the learner calls these on
 * flat B*G arrays (request b's group occupies [b*G, (b+1)*G)).
 */
public final class GrpoObjective {

    /** Added to the group std in the advantage denominator (spec: A = (r - mean) / (std + 1e-6)). */
    public static final double ADVANTAGE_STD_EPSILON = 1e-6;

    private GrpoObjective() {}

    /**
     * Group-relative advantages A = (r - mean) / (std + 1e-6) per group of {@code groups} rewards.
     *
     * <p>std is the sample standard deviation (divisor G - 1), as in the reference GRPO code. A group
     * with std < {@code minRewardStd} is homogeneous: all its advantages are exactly 0 (it carries
     * no ranking signal, and dividing rounding noise by ~1e-6 would invent one).
     *
     * @param rewards B*G rewards, group-major
     * @param advantages receives B*G advantages
     * @return the number of homogeneous groups
     */
    public static int computeAdvantages(double[] rewards, int requests, int groups, double minRewardStd,
                                        double[] advantages) {
        if (groups < 2) {
            throw new IllegalArgumentException("groups must be >= 2, got " + groups);
        }
        int homogeneous = 0;
        for (int b = 0; b < requests; b++) {
            int o = b * groups;
            double mean = 0;
            for (int g = 0; g < groups; g++) {
                mean += rewards[o + g];
            }
            mean /= groups;
            double ss = 0;
            for (int g = 0; g < groups; g++) {
                double d = rewards[o + g] - mean;
                ss += d * d;
            }
            double std = Math.sqrt(ss / (groups - 1));
            if (std < minRewardStd) {
                homogeneous++;
                for (int g = 0; g < groups; g++) {
                    advantages[o + g] = 0.0;
                }
                continue;
            }
            double inv = 1.0 / (std + ADVANTAGE_STD_EPSILON);
            for (int g = 0; g < groups; g++) {
                advantages[o + g] = (rewards[o + g] - mean) * inv;
            }
        }
        return homogeneous;
    }

    /**
     * Clipped surrogate {@code scale * sum_i -min(rho_i A_i, clip(rho_i, 1 - eps, 1 + eps) A_i)} with
     * rho = exp(logpNew - logpOld), and its derivative with respect to every logpNew_i.
     *
     * <p>The derivative is {@code -scale * A * rho} where the unclipped term is the minimum and 0
     * where the clipped term is (it is constant in theta there). A sample counts as clipped when
     * its gradient is zeroed that way: A > 0 and rho > 1 + eps, or A < 0 and rho < 1 - eps.
     *
     * @param scale the loss weight of each sample, e.g. 1 / (B * G)
     * @param dLogpNew receives d loss / d logpNew_i for i < size
     */
    public static Surrogate clippedSurrogate(double[] logpNew, double[] logpOld, double[] advantages, int size,
                                             double clipEpsilon, double scale, double[] dLogpNew) {
        double lo = 1 - clipEpsilon;
        double hi = 1 + clipEpsilon;
        double loss = 0;
        int clipped = 0;
        for (int i = 0; i < size; i++) {
            double a = advantages[i];
            double rho = Math.exp(logpNew[i] - logpOld[i]);
            double clippedRho = Math.min(Math.max(rho, lo), hi);
            double unclippedTerm = rho * a;
            double clippedTerm = clippedRho * a;
            if (unclippedTerm <= clippedTerm) {
                loss -= unclippedTerm;
                dLogpNew[i] = -scale * unclippedTerm;
            } else {
                loss -= clippedTerm;
                dLogpNew[i] = 0.0;
                clipped++;
            }
        }
        return new Surrogate(scale * loss, clipped);
    }

    /**
     * Value of the clipped surrogate and the number of clipped samples.
     *
     * @param loss the scaled surrogate loss
     * @param clipped samples whose gradient the clip zeroed
     */
    public record Surrogate(double loss, int clipped) {}
}
