package io.grade.model.policy;

import io.grade.schemas.FusionKind;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a consumer of policy snapshots (a serving client, the job's warm start) was configured
 * with, and so requires of every snapshot besides its internal consistency: the same task names in
 * the same order, feature dimension, fusion kind and betas (bit for bit: both sides read them from
 * configuration), and a version at most {@code maxVersionJump} above the version held.
 *
 * @param taskNames task names in weight order
 * @param featureDim request feature dimension
 * @param fusion fusion kind the scores are combined with
 * @param betas per-task LOG_LINEAR smoothing bias (one per task)
 * @param maxVersionJump largest accepted {@code version - held} once a version is held (>= 1)
 */
public record SnapshotExpectations(List<String> taskNames, int featureDim, FusionKind fusion, double[] betas,
                                   long maxVersionJump) {

    /**
     * Default bound on a version jump: 1,000,000 versions, i.e. 116 days of publishing at the
     * default 10 s publish interval (11.6 days at 1 s) that a running consumer may have missed
     * while compaction removed them.
     */
    public static final long DEFAULT_MAX_VERSION_JUMP = 1_000_000L;

    /** Checks and copies. */
    public SnapshotExpectations {
        taskNames = List.copyOf(Objects.requireNonNull(taskNames, "taskNames"));
        Objects.requireNonNull(fusion, "fusion");
        betas = Objects.requireNonNull(betas, "betas").clone();
        if (taskNames.isEmpty()) {
            throw new IllegalArgumentException("expected task names must not be empty");
        }
        if (featureDim < 1) {
            throw new IllegalArgumentException("expected feature dimension must be >= 1, got " + featureDim);
        }
        if (betas.length != taskNames.size()) {
            throw new IllegalArgumentException("expected betas " + Arrays.toString(betas) + " need one entry per task "
                    + taskNames);
        }
        for (double b : betas) {
            if (!Double.isFinite(b)) {
                throw new IllegalArgumentException("expected betas must be finite: " + Arrays.toString(betas));
            }
        }
        if (maxVersionJump < 1) {
            throw new IllegalArgumentException("maxVersionJump must be >= 1, got " + maxVersionJump);
        }
    }

    /** Expectations with the default version-jump bound. */
    public static SnapshotExpectations of(List<String> taskNames, int featureDim, FusionKind fusion, double[] betas) {
        return new SnapshotExpectations(taskNames, featureDim, fusion, betas, DEFAULT_MAX_VERSION_JUMP);
    }

    /** The same expectations with another version-jump bound. */
    public SnapshotExpectations withMaxVersionJump(long jump) {
        return new SnapshotExpectations(taskNames, featureDim, fusion, betas, jump);
    }

    /** A copy of the betas. */
    @Override
    public double[] betas() {
        return betas.clone();
    }

    /** True when {@code other} has the same betas, bit for bit. */
    boolean sameBetas(List<Double> other) {
        if (other.size() != betas.length) {
            return false;
        }
        for (int k = 0; k < betas.length; k++) {
            if (Double.compare(betas[k], other.get(k)) != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SnapshotExpectations e && taskNames.equals(e.taskNames) && featureDim == e.featureDim
                && fusion == e.fusion && Arrays.equals(betas, e.betas) && maxVersionJump == e.maxVersionJump;
    }

    @Override
    public int hashCode() {
        return Objects.hash(taskNames, featureDim, fusion, Arrays.hashCode(betas), maxVersionJump);
    }

    @Override
    public String toString() {
        return "SnapshotExpectations[tasks=" + taskNames + ", featureDim=" + featureDim + ", fusion=" + fusion
                + ", betas=" + Arrays.toString(betas) + ", maxVersionJump=" + maxVersionJump + "]";
    }
}
