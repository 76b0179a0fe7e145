package io.grade.serving;

import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.PolicyChecksum;
import io.grade.model.policy.PolicyParameters;
import io.grade.model.policy.PolicySnapshots;
import io.grade.model.policy.SnapshotMetadata;
import io.grade.schemas.FusionKind;
import io.grade.schemas.ParameterTensor;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.TrainingStats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Valid random policy snapshots for tests. */
final class TestSnapshots {

    static final List<String> TASKS = List.of("ctr", "cvr", "opm", "gpm");
    static final int FEATURES = 8;
    static final PolicyArchitecture ARCH = new PolicyArchitecture(FEATURES, 2, 6, 5, TASKS.size(), 1e-3);
    static final double[] BETAS = {1e-4, 1e-4, 1e-2, 1e-2};

    private TestSnapshots() {}

    static PolicySnapshot random(String modelId, long version, long seed) {
        Random rng = new Random(seed);
        PolicyParameters.Builder b = PolicyParameters.builder();
        for (Map.Entry<String, int[]> e : ARCH.parameterShapes().entrySet()) {
            int n = 1;
            for (int d : e.getValue()) {
                n *= d;
            }
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = rng.nextGaussian() * 0.7;
            }
            b.put(e.getKey(), e.getValue(), v);
        }
        SnapshotMetadata meta = new SnapshotMetadata(modelId, version, Instant.ofEpochMilli(1_000 * version),
                Instant.ofEpochMilli(500 * version), TASKS, FusionKind.LOG_LINEAR, BETAS, 8.0, 0.05,
                new TrainingStats(0.5, 0.01, 0.1, version, 100 * version));
        return PolicySnapshots.toSnapshot(ARCH, b.build(), meta);
    }

    /**
     * What an attacker who can write the topic makes of {@code base}: another (higher) version,
     * the output layer rewritten to put (nearly) all weight on task 0, a valid recomputed checksum,
     * and the base's signature left in place (the attacker has no private key).
     */
    static PolicySnapshot forged(PolicySnapshot base, long version) {
        PolicySnapshot s = PolicySnapshot.newBuilder(base).setVersion(version).build();
        for (ParameterTensor t : s.getParameters()) {
            if (t.getName().equals(PolicyArchitecture.OUT_W)) {
                t.setValues(new ArrayList<>(Collections.nCopies(t.getValues().size(), 0.0)));
            } else if (t.getName().equals(PolicyArchitecture.OUT_B)) {
                List<Double> b = new ArrayList<>(Collections.nCopies(t.getValues().size(), -50.0));
                b.set(0, 50.0);
                t.setValues(b);
            }
        }
        s.setChecksum(PolicyChecksum.compute(s.getParameters()));
        return s;
    }

    static ServingPolicy staticFallback(String modelId) {
        return ServingPolicy.staticWeights(modelId, TASKS, FEATURES, FusionKind.LOG_LINEAR, BETAS,
                new double[] {1, 1, 1, 1});
    }

    static float[] features(long seed) {
        Random rng = new Random(seed);
        float[] x = new float[FEATURES];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return x;
    }
}
