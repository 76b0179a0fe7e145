package io.grade.core.grpo;

import io.grade.core.optim.Adam;
import io.grade.model.policy.PolicyParameters;
import java.util.Objects;

/**
 * Everything a {@link GrpoLearner} needs to continue exactly where it stopped, as plain data (no
 * ND4J types), for Flink checkpoints. The configuration is not part of it: the operator rebuilds
 * the learner from its own config and then imports this.
 *
 * @param policy current policy parameters
 * @param reference frozen reference policy parameters
 * @param adam optimiser moments and step
 * @param scheduleStep t of the alphaHat schedule
 * @param updateCount applied updates (drives the reference sync)
 * @param skippedUpdates updates aborted by the non-finite guard
 * @param rngState the generator's saved state bytes (Commons RNG {@code RandomProviderDefaultState})
 */
public record GrpoLearnerState(PolicyParameters policy, PolicyParameters reference, Adam.State adam,
                               long scheduleStep, long updateCount, long skippedUpdates, byte[] rngState) {

    /** Validates and copies the generator state. */
    public GrpoLearnerState {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(adam, "adam");
        Objects.requireNonNull(rngState, "rngState");
        if (scheduleStep < 0 || updateCount < 0 || skippedUpdates < 0) {
            throw new IllegalArgumentException("scheduleStep, updateCount and skippedUpdates must be >= 0, got "
                    + scheduleStep + ", " + updateCount + ", " + skippedUpdates);
        }
        if (!policy.sameLayout(reference)) {
            throw new IllegalArgumentException("policy and reference parameters have different layouts");
        }
        rngState = rngState.clone();
    }

    /** A copy of the generator state bytes. */
    @Override
    public byte[] rngState() {
        return rngState.clone();
    }
}
