package io.grade.core.grpo;

/**
 * What one {@link GrpoLearner#update} did, for metrics and snapshot training stats. Loss, KL, clip
 * fraction and gradient norm are means over the inner epochs that ran.
 *
 * @param requests requests in the batch
 * @param meanReward mean composite reward over the B*G sampled weight vectors (NaN when the update
 *     was skipped before sampling, i.e. the policy output was not finite)
 * @param kl mean KL(pi_theta || pi_ref) (closed form; 0 when klCoef is 0)
 * @param clipFraction fraction of samples whose gradient the ratio clip zeroed
 * @param homogeneousGroups groups with reward std below minRewardStd (zero advantage)
 * @param skipped true when a non-finite value aborted the update and the parameters were restored
 * @param loss the GRPO loss
 * @param gradNorm global gradient norm before clipping
 * @param alphaHat the concentration the samples were drawn with
 * @param updateCount applied updates after this one
 */
public record UpdateResult(int requests, double meanReward, double kl, double clipFraction, int homogeneousGroups,
                           boolean skipped, double loss, double gradNorm, double alphaHat, long updateCount) {}
