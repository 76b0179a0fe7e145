package io.grade.serving;

import io.grade.model.policy.PolicyForward;
import io.grade.model.policy.PolicySnapshots;
import io.grade.schemas.FusionKind;
import io.grade.schemas.PolicySnapshot;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * One validated policy version ready to serve: immutable, thread-safe. Forward passes use a
 * per-thread scratch, so a call allocates nothing but the caller's output array.
 */
public final class ServingPolicy {

    private final String modelId;
    private final long version;
    private final Instant createdAt;
    private final Instant trainedThrough;
    private final List<String> taskNames;
    private final int featureDim;
    private final FusionKind fusion;
    private final double[] betas;
    private final double alphaHat;
    private final double alphaMin;
    private final PolicyForward forward;
    private final double[] staticWeights;
    private final ThreadLocal<PolicyForward.Scratch> scratch;

    private ServingPolicy(String modelId, long version, Instant createdAt, Instant trainedThrough,
                          List<String> taskNames, int featureDim, FusionKind fusion, double[] betas,
                          double alphaHat, double alphaMin, PolicyForward forward, double[] staticWeights) {
        this.modelId = modelId;
        this.version = version;
        this.createdAt = createdAt;
        this.trainedThrough = trainedThrough;
        this.taskNames = List.copyOf(taskNames);
        this.featureDim = featureDim;
        this.fusion = fusion;
        this.betas = betas.clone();
        this.alphaHat = alphaHat;
        this.alphaMin = alphaMin;
        this.forward = forward;
        this.staticWeights = staticWeights == null ? null : staticWeights.clone();
        this.scratch = forward == null ? null : ThreadLocal.withInitial(forward::newScratch);
    }

    /** A policy built from a snapshot that already passed validation. */
    static ServingPolicy fromSnapshot(PolicySnapshot s) {
        return new ServingPolicy(s.getModelId(), s.getVersion(), s.getCreatedAt(), s.getTrainedThrough(),
                s.getTaskNames(), s.getFeatureDim(), s.getFusion(),
                s.getBetas().stream().mapToDouble(Double::doubleValue).toArray(),
                s.getAlphaHat(), s.getAlphaMin(), PolicySnapshots.forward(s), null);
    }

    /**
     * Version 0: fixed weights for every request, used until the first policy version arrives (and
     * as the comparison baseline).
     */
    public static ServingPolicy staticWeights(String modelId, List<String> taskNames, int featureDim,
                                              FusionKind fusion, double[] betas, double[] weights) {
        if (weights.length != taskNames.size() || betas.length != taskNames.size()) {
            throw new IllegalArgumentException("static weights and betas need one entry per task " + taskNames);
        }
        double sum = 0;
        for (double w : weights) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("static weights must be finite and >= 0: " + Arrays.toString(weights));
            }
            sum += w;
        }
        if (sum <= 0) {
            throw new IllegalArgumentException("static weights must not all be 0");
        }
        double[] normalised = new double[weights.length];
        for (int k = 0; k < weights.length; k++) {
            normalised[k] = weights[k] / sum;
        }
        return new ServingPolicy(modelId, 0, Instant.EPOCH, Instant.EPOCH, taskNames, featureDim, fusion, betas,
                Double.NaN, Double.NaN, null, normalised);
    }

    /** Fusion weights pi(x) for one request's features; {@code out} has one entry per task. */
    public void weights(float[] features, double[] out) {
        checkFeatures(features.length);
        if (forward == null) {
            System.arraycopy(staticWeights, 0, out, 0, staticWeights.length);
        } else {
            forward.weights(features, out, scratch.get());
        }
    }

    /** Fusion weights pi(x) for one request's features; {@code out} has one entry per task. */
    public void weights(double[] features, double[] out) {
        checkFeatures(features.length);
        if (forward == null) {
            System.arraycopy(staticWeights, 0, out, 0, staticWeights.length);
        } else {
            forward.weights(features, out, scratch.get());
        }
    }

    private void checkFeatures(int length) {
        if (length != featureDim) {
            throw new IllegalArgumentException("expected " + featureDim + " features, got " + length);
        }
    }

    public boolean isStatic() {
        return forward == null;
    }

    public String modelId() {
        return modelId;
    }

    public long version() {
        return version;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public Instant trainedThrough() {
        return trainedThrough;
    }

    public List<String> taskNames() {
        return taskNames;
    }

    public int tasks() {
        return taskNames.size();
    }

    public int featureDim() {
        return featureDim;
    }

    public FusionKind fusion() {
        return fusion;
    }

    public double[] betas() {
        return betas.clone();
    }

    double[] betasView() {
        return betas;
    }

    /** Dirichlet concentration scale at publish time; NaN for static weights. */
    public double alphaHat() {
        return alphaHat;
    }

    public double alphaMin() {
        return alphaMin;
    }
}
