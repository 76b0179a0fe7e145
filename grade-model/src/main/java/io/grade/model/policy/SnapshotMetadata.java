package io.grade.model.policy;

import io.grade.schemas.FusionKind;
import io.grade.schemas.TrainingStats;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Everything a {@code PolicySnapshot} carries besides the architecture and the parameters.
 *
 * @param modelId model id (Kafka key)
 * @param version strictly increasing version
 * @param createdAt wall-clock time of the snapshot
 * @param trainedThrough latest event time learned from
 * @param taskNames task names in weight order
 * @param fusion fusion kind the weights are meant for
 * @param betas per-task LOG_LINEAR smoothing bias
 * @param alphaHat Dirichlet concentration scale at publish time
 * @param alphaMin floor of the Dirichlet concentration
 * @param stats training statistics
 */
public record SnapshotMetadata(String modelId, long version, Instant createdAt, Instant trainedThrough,
                               List<String> taskNames, FusionKind fusion, double[] betas, double alphaHat,
                               double alphaMin, TrainingStats stats) {

    /** Null checks and defensive copies. */
    public SnapshotMetadata {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(trainedThrough, "trainedThrough");
        taskNames = List.copyOf(Objects.requireNonNull(taskNames, "taskNames"));
        Objects.requireNonNull(fusion, "fusion");
        betas = Objects.requireNonNull(betas, "betas").clone();
        Objects.requireNonNull(stats, "stats");
        if (betas.length != taskNames.size()) {
            throw new IllegalArgumentException("betas has " + betas.length + " entries for " + taskNames.size()
                    + " tasks");
        }
    }

    /** A copy of the betas. */
    @Override
    public double[] betas() {
        return betas.clone();
    }
}
