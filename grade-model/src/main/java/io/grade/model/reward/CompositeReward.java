package io.grade.model.reward;

import io.grade.model.fusion.Fusion;

/**
 * The composite reward of GRADE-SPEC section 6. Immutable and thread-safe; {@link #prepare} does
 * the per-request work once (gains, ideal DCGs) so that evaluating many sampled weight vectors of
 * one request costs a dot product per item, a sort of a short list and K look-ups per task.
 */
public final class CompositeReward {

    private final RewardConfig config;

    public CompositeReward(RewardConfig config) {
        this.config = config;
    }

    public RewardConfig config() {
        return config;
    }

    /**
     * Precomputes the reward of one request.
     *
     * @param z fusion inputs (items x tasks) from {@link Fusion#inputs}
     * @param scores raw MTL scores (items x tasks): the dense gains of R_prior, min-max normalised here
     * @param labels feedback labels y (items x tasks), >= 0: the gains of R_post
     */
    public RequestReward prepare(double[] z, double[] scores, double[] labels, int items, int tasks) {
        if (tasks != config.tasks()) {
            throw new IllegalArgumentException("request has " + tasks + " tasks, reward configured for "
                    + config.tasks());
        }
        if (z.length != items * tasks || scores.length != items * tasks || labels.length != items * tasks) {
            throw new IllegalArgumentException("z, scores and labels must all be items x tasks = "
                    + items + " x " + tasks);
        }
        double[] priorGains = new double[items * tasks];
        Fusion.minMaxColumns(scores, items, tasks, priorGains);
        return new RequestReward(config, z, labels.clone(), priorGains, items, tasks);
    }
}
