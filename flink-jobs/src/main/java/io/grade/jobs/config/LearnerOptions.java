package io.grade.jobs.config;

import io.grade.core.explore.ConcentrationSchedule;
import io.grade.core.explore.ExplorationKind;
import io.grade.core.grpo.GrpoConfig;
import io.grade.core.learner.HoldoutSelector;
import io.grade.core.learner.HoldoutWindow;
import io.grade.core.learner.QualityGateConfig;
import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.SnapshotExpectations;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * Options of the learner stage and the policy broadcast (docs/SPEC.md sections 4, 5, 7, 9). Keys are
 * also command-line flags; defaults are the spec's.
 */
public final class LearnerOptions {

    private LearnerOptions() {}

    public static final ConfigOption<Boolean> LEARNER_ENABLED = ConfigOptions.key("learner")
            .booleanType().defaultValue(true)
            .withDescription("Run the GRPO learner and publish policies; false runs the join alone.");

    public static final ConfigOption<String> MODEL_ID = ConfigOptions.key("model-id")
            .stringType().defaultValue("default")
            .withDescription("Model id: key of the policy snapshots on the compacted policy topic.");

    public static final ConfigOption<String> POLICY_TOPIC = ConfigOptions.key("policy-topic")
            .stringType().defaultValue("grade.policy")
            .withDescription("Compacted topic the policy versions are published to (exactly-once); created if missing.");

    public static final ConfigOption<Integer> POLICY_MAX_MESSAGE_BYTES = ConfigOptions.key("policy-max-message-bytes")
            .intType().defaultValue(4 * 1024 * 1024)
            .withDescription("max.message.bytes the policy topic must allow (a default-architecture snapshot is ~50 KB).");

    public static final ConfigOption<Boolean> WARM_START = ConfigOptions.key("warm-start")
            .booleanType().defaultValue(true)
            .withDescription("On a fresh start (no checkpoint), continue from the newest valid snapshot of the "
                    + "model on the policy topic, so versions never go backwards.");

    public static final ConfigOption<Long> MAX_VERSION_JUMP = ConfigOptions.key("max-version-jump")
            .longType().defaultValue(SnapshotExpectations.DEFAULT_MAX_VERSION_JUMP)
            .withDescription("Largest version step the warm start accepts between snapshots it reads in order (the "
                    + "serving client has the same bound, PolicyClient.Builder#maxVersionJump); a larger jump is a "
                    + "poisoned snapshot (VERSION_JUMP).");

    public static final ConfigOption<String> STAGE1_SNAPSHOT = ConfigOptions.key("stage1-snapshot")
            .stringType().noDefaultValue()
            .withDescription("File with a Stage 1 (supervised) PolicySnapshot in single-object encoding, used on a "
                    + "fresh start when the policy topic holds none; otherwise cold start.");

    public static final ConfigOption<Integer> UPDATE_EVERY = ConfigOptions.key("update-every")
            .intType().defaultValue(GrpoConfig.DEFAULT_BATCH_SIZE)
            .withDescription("GRPO minibatch size B: an update runs when this many labelled requests are buffered.");

    public static final ConfigOption<Duration> UPDATE_INTERVAL = ConfigOptions.key("update-interval")
            .durationType().defaultValue(Duration.ofSeconds(30))
            .withDescription("An update also runs when this much processing time passed with a non-empty buffer.");

    public static final ConfigOption<Duration> PUBLISH_INTERVAL = ConfigOptions.key("publish-interval")
            .durationType().defaultValue(Duration.ofSeconds(10))
            .withDescription("A new policy version is published at most this often (if it learned since). With "
                    + "exactly-once, serving sees it after the next completed checkpoint.");

    public static final ConfigOption<Integer> GROUP_SIZE = ConfigOptions.key("group-size")
            .intType().defaultValue(GrpoConfig.DEFAULT_GROUP_SIZE).withDescription("GRPO group size G.");

    public static final ConfigOption<Double> CLIP_EPSILON = ConfigOptions.key("clip-epsilon")
            .doubleType().defaultValue(GrpoConfig.DEFAULT_CLIP_EPSILON).withDescription("PPO ratio clip eps.");

    public static final ConfigOption<Double> KL_COEF = ConfigOptions.key("kl-coef")
            .doubleType().defaultValue(GrpoConfig.DEFAULT_KL_COEF)
            .withDescription("Weight of KL(pi_theta || pi_ref) (closed-form Dirichlet KL).");

    public static final ConfigOption<Integer> INNER_EPOCHS = ConfigOptions.key("inner-epochs")
            .intType().defaultValue(GrpoConfig.DEFAULT_INNER_EPOCHS).withDescription("Passes over one minibatch.");

    /**
     * 3e-3, not the spec's 1e-3: measured online (in-process protocol, latent world, 30,000
     * requests, lambda-prior 0) it closed more of the gap on both seeds (0.353 vs 0.338, 0.248 vs
     * 0.211); 1e-2 was no better (0.347, 0.253) and less stable between versions.
     */
    public static final double DEFAULT_LEARNING_RATE = 3e-3;

    public static final ConfigOption<Double> LEARNING_RATE = ConfigOptions.key("learning-rate")
            .doubleType().defaultValue(DEFAULT_LEARNING_RATE).withDescription("Adam learning rate.");

    public static final ConfigOption<Double> GRAD_CLIP_NORM = ConfigOptions.key("grad-clip-norm")
            .doubleType().defaultValue(GrpoConfig.DEFAULT_GRAD_CLIP_NORM).withDescription("Global gradient-norm clip.");

    public static final ConfigOption<Double> MIN_REWARD_STD = ConfigOptions.key("min-reward-std")
            .doubleType().defaultValue(GrpoConfig.DEFAULT_MIN_REWARD_STD)
            .withDescription("Groups with a reward std below this are homogeneous: zero advantage, counted.");

    public static final ConfigOption<Long> REF_SYNC_EVERY = ConfigOptions.key("ref-sync-every")
            .longType().defaultValue(GrpoConfig.DEFAULT_REF_SYNC_EVERY)
            .withDescription("The reference policy is synced to the current one every this many updates.");

    public static final ConfigOption<Double> ALPHA_START = ConfigOptions.key("alpha-start")
            .doubleType().defaultValue(ConcentrationSchedule.DEFAULT_ALPHA_START)
            .withDescription("Dirichlet concentration scale alphaHat at update 0 (cosine schedule).");

    public static final ConfigOption<Double> ALPHA_END = ConfigOptions.key("alpha-end")
            .doubleType().defaultValue(ConcentrationSchedule.DEFAULT_ALPHA_END)
            .withDescription("alphaHat after alpha-horizon-requests labelled requests.");

    /** Measured default of {@link #ALPHA_HORIZON_REQUESTS} (README, "Measuring defaults in process"). */
    public static final long DEFAULT_ALPHA_HORIZON_REQUESTS = 2_560_000L;

    public static final ConfigOption<Long> ALPHA_HORIZON_REQUESTS = ConfigOptions.key("alpha-horizon-requests")
            .longType().defaultValue(DEFAULT_ALPHA_HORIZON_REQUESTS)
            .withDescription("Labelled requests over which alphaHat goes from alpha-start to alpha-end (cosine); "
                    + "converted to updates assuming full batches of update-every, each followed by replay-updates.");

    /** Measured default of {@link #REPLAY_CAPACITY}. */
    public static final int DEFAULT_REPLAY_CAPACITY = 8192;

    /** Measured default of {@link #REPLAY_UPDATES}. */
    public static final int DEFAULT_REPLAY_UPDATES = 3;

    public static final ConfigOption<Integer> REPLAY_CAPACITY = ConfigOptions.key("replay-capacity")
            .intType().defaultValue(DEFAULT_REPLAY_CAPACITY)
            .withDescription("Newest labelled requests kept in the learner's checkpointed state for reuse (a ring; "
                    + "0 = no replay). Must hold at least update-every requests when replay-updates > 0.");

    public static final ConfigOption<Integer> REPLAY_UPDATES = ConfigOptions.key("replay-updates")
            .intType().defaultValue(DEFAULT_REPLAY_UPDATES)
            .withDescription("Extra GRPO updates after each new batch, each on update-every requests drawn from "
                    + "the replay window (fresh exploration, stale labels: the clipped ratio bounds the step).");

    public static final ConfigOption<Double> ALPHA_MIN = ConfigOptions.key("alpha-min")
            .doubleType().defaultValue(GrpoConfig.DEFAULT_ALPHA_MIN)
            .withDescription("Floor of every Dirichlet concentration alpha_k.");

    public static final ConfigOption<ExplorationKind> EXPLORATION = ConfigOptions.key("exploration")
            .enumType(ExplorationKind.class).defaultValue(ExplorationKind.DIRICHLET)
            .withDescription("DIRICHLET (GRADE) or GAUSSIAN_SOFTMAX (ablation).");

    public static final ConfigOption<Double> GAUSSIAN_SIGMA = ConfigOptions.key("gaussian-sigma")
            .doubleType().defaultValue(GrpoConfig.DEFAULT_GAUSSIAN_SIGMA)
            .withDescription("Logit noise of the GAUSSIAN_SOFTMAX ablation.");

    public static final ConfigOption<Long> SEED = ConfigOptions.key("seed")
            .longType().defaultValue(GrpoConfig.DEFAULT_SEED)
            .withDescription("Seed of the learner's generator and of the cold-start initialisation.");

    public static final ConfigOption<Integer> EXPERTS = ConfigOptions.key("experts")
            .intType().defaultValue(PolicyArchitecture.DEFAULT_EXPERTS).withDescription("Policy experts E.");

    public static final ConfigOption<Integer> HIDDEN = ConfigOptions.key("hidden")
            .intType().defaultValue(PolicyArchitecture.DEFAULT_HIDDEN).withDescription("Expert hidden size H.");

    public static final ConfigOption<Integer> TOWER = ConfigOptions.key("tower")
            .intType().defaultValue(PolicyArchitecture.DEFAULT_TOWER).withDescription("Tower hidden size.");

    public static final ConfigOption<Double> EPSILON_FLOOR = ConfigOptions.key("epsilon-floor")
            .doubleType().defaultValue(PolicyArchitecture.DEFAULT_EPSILON_FLOOR)
            .withDescription("Weight floor eps: pi = (1 - n eps) softmax + eps.");

    public static final ConfigOption<Boolean> QUALITY_GATE = ConfigOptions.key("quality-gate")
            .booleanType().defaultValue(true)
            .withDescription("Hold out a share of labelled requests and publish a candidate version only if, on them, "
                    + "it is not worse than the published one (before the first: than the served weights) beyond "
                    + "gate-margin at gate-confidence-z; false publishes every update unjudged.");

    public static final ConfigOption<Double> HOLDOUT_SHARE = ConfigOptions.key("holdout-share")
            .doubleType().defaultValue(HoldoutSelector.DEFAULT_SHARE)
            .withDescription("Share of labelled requests held out from training for the quality gate, chosen by a "
                    + "stable hash of the request id, in (0, 1).");

    public static final ConfigOption<Integer> HOLDOUT_WINDOW = ConfigOptions.key("holdout-window")
            .intType().defaultValue(HoldoutWindow.DEFAULT_CAPACITY)
            .withDescription("Newest held-out labelled requests the gate judges on (a ring in keyed state).");

    public static final ConfigOption<Double> GATE_MARGIN = ConfigOptions.key("gate-margin")
            .doubleType().defaultValue(QualityGateConfig.DEFAULT_MARGIN)
            .withDescription("A candidate is rejected when its mean R_post on the holdout is below the current "
                    + "policy's by more than this, with confidence gate-confidence-z (paired standard error).");

    public static final ConfigOption<Double> GATE_CONFIDENCE_Z = ConfigOptions.key("gate-confidence-z")
            .doubleType().defaultValue(QualityGateConfig.DEFAULT_CONFIDENCE_Z)
            .withDescription("z of the gate's one-sided confidence bound (1.645 = 95 %).");

    public static final ConfigOption<Integer> GATE_MIN_REQUESTS = ConfigOptions.key("gate-min-requests")
            .intType().defaultValue(QualityGateConfig.DEFAULT_MIN_REQUESTS)
            .withDescription("Held-out requests with a positive label needed to judge; with fewer, publishing waits.");

    public static final ConfigOption<Integer> GATE_MAX_REJECTIONS = ConfigOptions.key("gate-max-rejections")
            .intType().defaultValue(QualityGateConfig.DEFAULT_MAX_CONSECUTIVE_REJECTIONS)
            .withDescription("After this many rejected candidates in a row the learner rolls its whole state back "
                    + "to the last published version.");

    public static final ConfigOption<String> SIGNING_KEY_FILE = ConfigOptions.key("signing-key-file")
            .stringType().noDefaultValue()
            .withDescription("Ed25519 private key (PKCS#8 PEM, as 'grade keys generate' or 'openssl genpkey -algorithm "
                    + "ed25519' write it) every published snapshot is signed with; read at start-up and again by "
                    + "each learner task, so the file must exist where the tasks run. Unset: snapshots are unsigned.");

    public static final ConfigOption<String> SIGNING_KEY_ENV = ConfigOptions.key("signing-key-env")
            .stringType().noDefaultValue()
            .withDescription("Name of an environment variable holding the signing key (PEM text or base64 of the "
                    + "PKCS#8 DER), instead of signing-key-file; it must be set where the job is submitted and where "
                    + "the tasks run.");

    public static final ConfigOption<String> VERIFY_KEY_FILE = ConfigOptions.key("verify-key-file")
            .stringType().noDefaultValue()
            .withDescription("Ed25519 public key (X.509 PEM, as ./grade keys generate writes it) the warm start "
                    + "and the learner verify the policy topic's records with: an unsigned or forged snapshot is "
                    + "never continued from (and re-signed), an unsigned or forged control record (pin) is ignored. "
                    + "Give it with signing-key-file in production.");

    /** Every learner option (the command line accepts these besides GradeOptions). */
    public static List<ConfigOption<?>> all() {
        return List.of(LEARNER_ENABLED, MODEL_ID, POLICY_TOPIC, POLICY_MAX_MESSAGE_BYTES, WARM_START, MAX_VERSION_JUMP,
                STAGE1_SNAPSHOT,
                UPDATE_EVERY, UPDATE_INTERVAL, PUBLISH_INTERVAL, GROUP_SIZE, CLIP_EPSILON, KL_COEF, INNER_EPOCHS,
                LEARNING_RATE, GRAD_CLIP_NORM, MIN_REWARD_STD, REF_SYNC_EVERY, ALPHA_START, ALPHA_END, ALPHA_HORIZON_REQUESTS,
                REPLAY_CAPACITY, REPLAY_UPDATES, QUALITY_GATE, HOLDOUT_SHARE, HOLDOUT_WINDOW, GATE_MARGIN,
                GATE_CONFIDENCE_Z, GATE_MIN_REQUESTS, GATE_MAX_REJECTIONS, SIGNING_KEY_FILE, SIGNING_KEY_ENV,
                VERIFY_KEY_FILE,
                ALPHA_MIN, EXPLORATION, GAUSSIAN_SIGMA, SEED, EXPERTS, HIDDEN, TOWER, EPSILON_FLOOR);
    }
}
