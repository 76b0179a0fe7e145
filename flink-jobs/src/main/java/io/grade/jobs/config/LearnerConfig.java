package io.grade.jobs.config;

import io.grade.core.explore.ConcentrationSchedule;
import io.grade.core.grpo.GrpoConfig;
import io.grade.core.learner.GateSettings;
import io.grade.core.learner.HoldoutSelector;
import io.grade.core.learner.OnlineLearnerConfig;
import io.grade.core.learner.QualityGateConfig;
import io.grade.jobs.learner.LearnerSettings;
import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.PolicyKeySource;
import java.io.Serializable;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * The validated learner configuration. Every check names the option, so a bad value fails at
 * start-up with a message the operator can act on.
 */
public final class LearnerConfig implements Serializable {

    private static final long serialVersionUID = 1L;

    private final boolean enabled;
    private final String modelId;
    private final String policyTopic;
    private final int policyMaxMessageBytes;
    private final boolean warmStart;
    private final String stage1Snapshot;
    private final long maxVersionJump;
    private final int updateEvery;
    private final Duration updateInterval;
    private final Duration publishInterval;
    private final OnlineLearnerConfig online;
    private final GateSettings gate;
    private final PolicyArchitecture architecture;
    private final long seed;
    /** Where the learner's tasks read the signing key, or null: snapshots unsigned. */
    private final PolicyKeySource signingKey;
    private final java.security.PublicKey verifyKey;
    /** Path of the verify key (the learner tasks read it again in open()), or null. */
    private final String verifyKeyFile;
    private final Map<String, String> effective;

    private LearnerConfig(Configuration c, GradeConfig join) {
        enabled = c.get(LearnerOptions.LEARNER_ENABLED);
        modelId = nonBlank(c, LearnerOptions.MODEL_ID);
        policyTopic = nonBlank(c, LearnerOptions.POLICY_TOPIC);
        policyMaxMessageBytes = positive(c, LearnerOptions.POLICY_MAX_MESSAGE_BYTES);
        warmStart = c.get(LearnerOptions.WARM_START);
        stage1Snapshot = c.getOptional(LearnerOptions.STAGE1_SNAPSHOT).orElse(null);
        maxVersionJump = c.get(LearnerOptions.MAX_VERSION_JUMP);
        if (maxVersionJump < 1) {
            throw new IllegalArgumentException("option '" + LearnerOptions.MAX_VERSION_JUMP.key() + "' must be >= 1, got "
                    + maxVersionJump);
        }
        updateEvery = positive(c, LearnerOptions.UPDATE_EVERY);
        updateInterval = positiveDuration(c, LearnerOptions.UPDATE_INTERVAL);
        publishInterval = positiveDuration(c, LearnerOptions.PUBLISH_INTERVAL);
        seed = c.get(LearnerOptions.SEED);
        signingKey = signingKey(c);
        verifyKeyFile = c.getOptional(LearnerOptions.VERIFY_KEY_FILE).orElse(null);
        verifyKey = c.getOptional(LearnerOptions.VERIFY_KEY_FILE).map(f -> {
            try {
                return io.grade.model.policy.PolicySignatures.requireEd25519(
                        io.grade.model.policy.PolicyKeys.readPublicKey(java.nio.file.Path.of(f)));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(OptionErrors.option(LearnerOptions.VERIFY_KEY_FILE) + ": "
                        + e.getMessage(), e);
            }
        }).orElse(null);
        architecture = OptionErrors.named("policy architecture", Map.of("experts", LearnerOptions.EXPERTS,
                "hidden", LearnerOptions.HIDDEN, "tower", LearnerOptions.TOWER,
                "epsilonFloor", LearnerOptions.EPSILON_FLOOR, "featureDim", GradeOptions.FEATURE_DIM,
                "tasks", GradeOptions.TASKS), () -> new PolicyArchitecture(
                join.featureDim(), c.get(LearnerOptions.EXPERTS), c.get(LearnerOptions.HIDDEN),
                c.get(LearnerOptions.TOWER), join.tasks(), c.get(LearnerOptions.EPSILON_FLOOR)));
        if (c.get(LearnerOptions.ALPHA_HORIZON_REQUESTS) < 1) {
            throw new IllegalArgumentException(OptionErrors.option(LearnerOptions.ALPHA_HORIZON_REQUESTS)
                    + " must be >= 1 labelled request, got " + c.get(LearnerOptions.ALPHA_HORIZON_REQUESTS));
        }
        ConcentrationSchedule schedule = OptionErrors.named("exploration schedule", Map.of(
                "alphaStart", LearnerOptions.ALPHA_START, "alphaEnd", LearnerOptions.ALPHA_END,
                "alphaHorizon", LearnerOptions.ALPHA_HORIZON_REQUESTS), () -> new ConcentrationSchedule(
                c.get(LearnerOptions.ALPHA_START), c.get(LearnerOptions.ALPHA_END),
                c.get(LearnerOptions.ALPHA_HORIZON_REQUESTS)));
        gate = !c.get(LearnerOptions.QUALITY_GATE) ? null : OptionErrors.named("quality gate", Map.of(
                "share", LearnerOptions.HOLDOUT_SHARE, "window", LearnerOptions.HOLDOUT_WINDOW,
                "margin", LearnerOptions.GATE_MARGIN, "confidenceZ", LearnerOptions.GATE_CONFIDENCE_Z,
                "minRequests", LearnerOptions.GATE_MIN_REQUESTS,
                "maxConsecutiveRejections", LearnerOptions.GATE_MAX_REJECTIONS), () -> new GateSettings(
                new HoldoutSelector(c.get(LearnerOptions.HOLDOUT_SHARE), HoldoutSelector.DEFAULT_SALT),
                c.get(LearnerOptions.HOLDOUT_WINDOW),
                new QualityGateConfig(c.get(LearnerOptions.GATE_MARGIN), c.get(LearnerOptions.GATE_CONFIDENCE_Z),
                        c.get(LearnerOptions.GATE_MIN_REQUESTS), c.get(LearnerOptions.GATE_MAX_REJECTIONS))));
        Map<String, ConfigOption<?>> grpoParameters = new LinkedHashMap<>();
        grpoParameters.put("groupSize", LearnerOptions.GROUP_SIZE);
        grpoParameters.put("batchSize", LearnerOptions.UPDATE_EVERY);
        grpoParameters.put("clipEpsilon", LearnerOptions.CLIP_EPSILON);
        grpoParameters.put("klCoef", LearnerOptions.KL_COEF);
        grpoParameters.put("innerEpochs", LearnerOptions.INNER_EPOCHS);
        grpoParameters.put("learningRate", LearnerOptions.LEARNING_RATE);
        grpoParameters.put("gradClipNorm", LearnerOptions.GRAD_CLIP_NORM);
        grpoParameters.put("minRewardStd", LearnerOptions.MIN_REWARD_STD);
        grpoParameters.put("refSyncEvery", LearnerOptions.REF_SYNC_EVERY);
        grpoParameters.put("alphaMin", LearnerOptions.ALPHA_MIN);
        grpoParameters.put("gaussianSigma", LearnerOptions.GAUSSIAN_SIGMA);
        GrpoConfig grpo = OptionErrors.named("GRPO options", grpoParameters, () -> new GrpoConfig(
                c.get(LearnerOptions.GROUP_SIZE), updateEvery, c.get(LearnerOptions.CLIP_EPSILON),
                c.get(LearnerOptions.KL_COEF), c.get(LearnerOptions.INNER_EPOCHS), c.get(LearnerOptions.LEARNING_RATE),
                c.get(LearnerOptions.GRAD_CLIP_NORM), c.get(LearnerOptions.MIN_REWARD_STD),
                c.get(LearnerOptions.REF_SYNC_EVERY), c.get(LearnerOptions.ALPHA_MIN), schedule,
                c.get(LearnerOptions.EXPLORATION), c.get(LearnerOptions.GAUSSIAN_SIGMA), seed));
        online = OptionErrors.named("learner options", Map.of("replayCapacity", LearnerOptions.REPLAY_CAPACITY,
                "replayUpdates", LearnerOptions.REPLAY_UPDATES,
                "alphaHorizonRequests", LearnerOptions.ALPHA_HORIZON_REQUESTS), () -> new OnlineLearnerConfig(grpo,
                c.get(LearnerOptions.REPLAY_CAPACITY), c.get(LearnerOptions.REPLAY_UPDATES),
                c.get(LearnerOptions.ALPHA_HORIZON_REQUESTS)));
        if (join.transactionTimeout().compareTo(join.checkpointInterval()) <= 0) {
            throw new IllegalArgumentException(OptionErrors.option(GradeOptions.TRANSACTION_TIMEOUT) + " ("
                    + join.transactionTimeout() + ") must exceed " + OptionErrors.flag(GradeOptions.CHECKPOINT_INTERVAL)
                    + " (" + join.checkpointInterval() + ")");
        }
        effective = new LinkedHashMap<>();
        for (ConfigOption<?> o : LearnerOptions.all()) {
            effective.put(o.key(), String.valueOf(c.getOptional(o).map(Object::toString)
                    .orElse(o.hasDefaultValue() ? String.valueOf(o.defaultValue()) : "")));
        }
    }

    /** Reads and validates the learner options; {@code join} supplies tasks, features and fusion. */
    public static LearnerConfig from(Configuration c, GradeConfig join) {
        return new LearnerConfig(c, join);
    }

    /** The operator settings; {@code warmStartSnapshot} from the policy topic or the Stage 1 file (may be null). */
    public LearnerSettings settings(GradeConfig join, byte[] warmStartSnapshot) {
        return new LearnerSettings(modelId, Arrays.asList(join.taskNames()), architecture, join.fusion(), join.betas(),
                join.rewardConfig(), online, updateEvery, updateInterval, publishInterval, seed, warmStartSnapshot, gate,
                signingKey).verifyingWith(verifyKeyFile == null ? null
                        : io.grade.model.policy.PolicyKeySource.file(verifyKeyFile));
    }

    public boolean enabled() {
        return enabled;
    }

    public String modelId() {
        return modelId;
    }

    public String policyTopic() {
        return policyTopic;
    }

    public int policyMaxMessageBytes() {
        return policyMaxMessageBytes;
    }

    public boolean warmStart() {
        return warmStart;
    }

    /** Largest accepted version step when the warm start reads the policy topic. */
    public long maxVersionJump() {
        return maxVersionJump;
    }

    /** Path of the Stage 1 snapshot file, or null. */
    public String stage1Snapshot() {
        return stage1Snapshot;
    }

    public PolicyArchitecture architecture() {
        return architecture;
    }

    /** The GRPO options as the learner runs them (alphaHat horizon converted to updates). */
    public GrpoConfig grpo() {
        return online.effectiveGrpo();
    }

    /** The quality gate, or null when {@code --quality-gate=false}. */
    public GateSettings gate() {
        return gate;
    }

    /** The streaming learner's options (GRPO, replay, alphaHat horizon in requests). */
    public OnlineLearnerConfig online() {
        return online;
    }

    /** Where the signing key is read from, or null when snapshots are published unsigned. */
    /** The public key the warm start verifies snapshots with ({@code --verify-key-file}), or null. */
    public java.security.PublicKey verifyKey() {
        return verifyKey;
    }

    public PolicyKeySource signingKey() {
        return signingKey;
    }

    public Map<String, String> effectiveOptions() {
        return effective;
    }

    /**
     * The key source of {@code --signing-key-file} or {@code --signing-key-env} (not both), loaded
     * once here so that a missing, unreadable or non-Ed25519 key fails at start-up naming the option.
     */
    private static PolicyKeySource signingKey(Configuration c) {
        String file = c.getOptional(LearnerOptions.SIGNING_KEY_FILE).orElse(null);
        String env = c.getOptional(LearnerOptions.SIGNING_KEY_ENV).orElse(null);
        if (file != null && env != null) {
            throw new IllegalArgumentException(OptionErrors.option(LearnerOptions.SIGNING_KEY_FILE) + " and "
                    + OptionErrors.flag(LearnerOptions.SIGNING_KEY_ENV) + " are exclusive: give one signing key");
        }
        if (file == null && env == null) {
            return null;
        }
        ConfigOption<String> option = file != null ? LearnerOptions.SIGNING_KEY_FILE : LearnerOptions.SIGNING_KEY_ENV;
        try {
            PolicyKeySource source = file != null ? PolicyKeySource.file(file) : PolicyKeySource.env(env);
            source.privateKey(); // fail here, not in a task; the key itself is not kept
            return source;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(OptionErrors.option(option) + ": " + e.getMessage(), e);
        }
    }

    private static String nonBlank(Configuration c, ConfigOption<String> o) {
        String v = c.get(o);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(OptionErrors.option(o) + " must not be empty");
        }
        return v;
    }

    private static int positive(Configuration c, ConfigOption<Integer> o) {
        int v = c.get(o);
        if (v < 1) {
            throw new IllegalArgumentException(OptionErrors.option(o) + " must be >= 1, got " + v);
        }
        return v;
    }

    private static Duration positiveDuration(Configuration c, ConfigOption<Duration> o) {
        Duration v = c.get(o);
        if (v.isNegative() || v.isZero()) {
            throw new IllegalArgumentException(OptionErrors.option(o) + " must be positive, got " + v);
        }
        return v;
    }
}
