package io.grade.model.reward;

import io.grade.model.fusion.Fusion;

/**
 * The composite reward of docs/SPEC.md section 6. Immutable and thread-safe; {@link #prepare} does
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
        return prepareInto(null, z, scores, labels, items, tasks);
    }

    /**
     * Like {@link #prepare}, but re-prepares {@code reuse} in place when it was made by a reward
     * with this configuration and can hold {@code items} items; otherwise (or when it is null)
     * returns a new instance. The returned reward is equal in every result to a freshly prepared
     * one. The arrays are only read, never kept, so the caller may refill them afterwards; the
     * previous request's reward in {@code reuse} is gone.
     */
    public RequestReward prepareInto(RequestReward reuse, double[] z, double[] scores, double[] labels, int items,
                                     int tasks) {
        if (tasks != config.tasks()) {
            throw new IllegalArgumentException("request has " + tasks + " tasks, reward configured for "
                    + config.tasks());
        }
        if (items < 1 || z.length != items * tasks || scores.length != items * tasks
                || labels.length != items * tasks) {
            throw new IllegalArgumentException("z, scores and labels must all be items x tasks = "
                    + items + " x " + tasks);
        }
        RequestReward r = reuse != null && reuse.config() == config && reuse.capacity() >= items
                ? reuse
                : new RequestReward(config, tasks, items);
        r.reset(z, scores, labels, items);
        return r;
    }
}
