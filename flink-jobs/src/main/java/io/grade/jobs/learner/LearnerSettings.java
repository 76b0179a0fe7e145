package io.grade.jobs.learner;

import io.grade.core.grpo.GrpoConfig;
import io.grade.core.learner.GateSettings;
import io.grade.core.learner.OnlineLearnerConfig;
import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.PolicyKeySource;
import io.grade.model.reward.RewardConfig;
import io.grade.schemas.FusionKind;
import java.io.Serializable;
import java.time.Duration;
import io.grade.model.policy.SnapshotExpectations;
import io.grade.model.policy.SnapshotProblem;
import io.grade.model.policy.SnapshotValidator;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything the learner operator needs, shipped with the job graph. The warm-start snapshot (if
 * any) is carried as single-object bytes; it only applies when the operator has no restored state.
 */
public final class LearnerSettings implements Serializable {

    private static final long serialVersionUID = 1L;

    final String modelId;
    final ArrayList<String> taskNames;
    final PolicyArchitecture architecture;
    final FusionKind fusion;
    final double[] betas;
    final RewardConfig reward;
    final OnlineLearnerConfig online;
    /** The GRPO options as run: the alphaHat horizon converted from requests to updates. */
    final GrpoConfig grpo;
    final int updateEvery;
    final long updateIntervalMs;
    final long publishIntervalMs;
    final long initSeed;
    final byte[] warmStartSnapshot;
    /** The quality gate, or null: every update is published. */
    final GateSettings gate;
    /** Where each task reads the Ed25519 signing key (the key itself is never shipped), or null: unsigned. */
    final PolicyKeySource signingKey;
    /**
     * Public key the learner checks policy-topic records with (snapshots of other writers, control
     * records), or null: signatures not required. Set by {@link #verifyingWith}.
     */
    PolicyKeySource verifyKey;

    /**
     * @param updateEvery run a GRPO update when this many labelled requests are buffered (the buffer bound)
     * @param updateInterval ... or when this much processing time passed with a non-empty buffer
     * @param publishInterval publish a new version at most this often (if an update happened since)
     * @param warmStartSnapshot PolicySnapshot bytes to start from on a fresh start, or null for a cold start
     * @param gate the quality gate, or null to publish every update unjudged
     * @param signingKey where the learner reads the key it signs every snapshot with, or null to publish unsigned
     */
    public LearnerSettings(String modelId, List<String> taskNames, PolicyArchitecture architecture, FusionKind fusion,
                           double[] betas, RewardConfig reward, OnlineLearnerConfig online, int updateEvery,
                           Duration updateInterval, Duration publishInterval, long initSeed, byte[] warmStartSnapshot,
                           GateSettings gate, PolicyKeySource signingKey) {
        this.modelId = Objects.requireNonNull(modelId, "modelId");
        this.taskNames = new ArrayList<>(taskNames);
        this.architecture = Objects.requireNonNull(architecture, "architecture");
        this.fusion = Objects.requireNonNull(fusion, "fusion");
        this.betas = betas.clone();
        this.reward = Objects.requireNonNull(reward, "reward");
        this.online = Objects.requireNonNull(online, "online");
        this.grpo = online.effectiveGrpo();
        this.updateEvery = updateEvery;
        this.updateIntervalMs = updateInterval.toMillis();
        this.publishIntervalMs = publishInterval.toMillis();
        this.initSeed = initSeed;
        this.warmStartSnapshot = warmStartSnapshot == null ? null : warmStartSnapshot.clone();
        this.gate = gate;
        this.signingKey = signingKey;
        if (updateEvery < 1) {
            throw new IllegalArgumentException("learner.update-every must be >= 1, got " + updateEvery);
        }
        if (updateIntervalMs < 1) {
            throw new IllegalArgumentException("learner.update-interval must be positive, got " + updateInterval);
        }
        if (publishIntervalMs < 1) {
            throw new IllegalArgumentException("learner.publish-interval must be positive, got " + publishInterval);
        }
        if (online.grpo().batchSize() != updateEvery) {
            throw new IllegalArgumentException("the GRPO batch size (" + online.grpo().batchSize()
                    + ") must equal learner.update-every (" + updateEvery + ")");
        }
        if (taskNames.size() != architecture.tasks() || betas.length != architecture.tasks()
                || reward.tasks() != architecture.tasks()) {
            throw new IllegalArgumentException("task names, betas, reward and policy must agree on the task count "
                    + taskNames);
        }
        if (this.warmStartSnapshot != null) {
            checkWarmStart(this.warmStartSnapshot);
        }
    }

    /**
     * Requires valid signatures by {@code key}'s private key on the policy-topic records the learner
     * follows (the job's --verify-key-file); returns this.
     */
    public LearnerSettings verifyingWith(PolicyKeySource key) {
        this.verifyKey = key;
        return this;
    }

    /** What the snapshots this learner publishes and starts from must agree with. */
    public SnapshotExpectations expectations() {
        return SnapshotExpectations.of(taskNames, architecture.featureDim(), fusion, betas);
    }

    /**
     * The warm-start snapshot passes the same strict validation as on the serving side, so a
     * poisoned snapshot (another fusion, hostile betas, a version without a successor) fails the
     * job at start-up instead of being learned from or continued.
     */
    private void checkWarmStart(byte[] bytes) {
        DecodeResult<PolicySnapshot> d = EventCodec.policySnapshots().decode(bytes);
        if (!d.isOk()) {
            throw new IllegalArgumentException("warm-start snapshot is not a PolicySnapshot: " + d.failure());
        }
        List<SnapshotProblem> problems = SnapshotValidator.validate(d.value(), expectations(), 0);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("warm-start snapshot " + d.value().getModelId() + " v"
                    + d.value().getVersion() + " is invalid for this job: " + problems);
        }
    }

    public String modelId() {
        return modelId;
    }

    public PolicyArchitecture architecture() {
        return architecture;
    }

    public GrpoConfig grpo() {
        return grpo;
    }

    public OnlineLearnerConfig online() {
        return online;
    }

    public int updateEvery() {
        return updateEvery;
    }
}
