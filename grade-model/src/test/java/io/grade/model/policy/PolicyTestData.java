package io.grade.model.policy;

import io.grade.schemas.FusionKind;
import io.grade.schemas.TrainingStats;
import java.time.Instant;
import java.util.List;
import java.util.Random;

/** Shared fixtures for the policy tests. */
final class PolicyTestData {

    private PolicyTestData() {}

    /** Parameters of the given architecture filled with seeded N(0, std^2) values. */
    static PolicyParameters random(PolicyArchitecture arch, long seed, double std) {
        // java.util.Random is enough for fixtures here: grade-model has no Commons RNG dependency
        Random rng = new Random(seed);
        PolicyParameters.Builder b = PolicyParameters.builder();
        arch.parameterShapes().forEach((name, shape) -> {
            int size = 1;
            for (int s : shape) {
                size *= s;
            }
            double[] v = new double[size];
            for (int i = 0; i < size; i++) {
                v[i] = std * rng.nextGaussian();
            }
            b.put(name, shape, v);
        });
        return b.build();
    }

    static SnapshotMetadata metadata(int tasks) {
        List<String> names = List.of("ctr", "cvr", "opm", "gpm").subList(0, tasks);
        double[] betas = new double[tasks];
        java.util.Arrays.fill(betas, 1e-4);
        return new SnapshotMetadata("model-a", 7L, Instant.ofEpochMilli(1_700_000_000_000L),
                Instant.ofEpochMilli(1_699_999_000_000L), names, FusionKind.LOG_LINEAR, betas, 5.0, 0.01,
                TrainingStats.newBuilder().setMeanReward(0.4).setKl(0.01).setClipFraction(0.1).setUpdates(12)
                        .setRequestsLearned(3072).build());
    }
}
