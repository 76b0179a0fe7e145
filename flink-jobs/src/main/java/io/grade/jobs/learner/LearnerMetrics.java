package io.grade.jobs.learner;

/** Names of the learner's dashboard metrics, group {@code grade.learner}. */
public final class LearnerMetrics {

    public static final String GROUP_OUTER = "grade";
    public static final String GROUP = "learner";

    /** Gauge: version of the last published policy. */
    public static final String POLICY_VERSION = "policyVersion";
    /** Gauge: GRPO updates applied. */
    public static final String UPDATES = "updates";
    /** Gauge: labelled requests learned from. */
    public static final String REQUESTS_LEARNED = "requestsLearned";
    /** Gauge: mean composite reward of the sampled groups in the last update. */
    public static final String MEAN_GROUP_REWARD = "meanGroupReward";
    /** Gauge: KL(pi_theta || pi_ref) in the last update. */
    public static final String KL = "kl";
    /** Gauge: fraction of clipped samples in the last update. */
    public static final String CLIP_FRACTION = "clipFraction";
    /** Gauge: Dirichlet concentration scale of the last update. */
    public static final String ALPHA_HAT = "alphaHat";
    /** Gauge: updates skipped by the non-finite guard. */
    public static final String SKIPPED_STEPS = "skippedSteps";
    /** Gauge: homogeneous (zero-advantage) groups so far. */
    public static final String HOMOGENEOUS_GROUPS = "homogeneousGroups";
    /** Histogram: wall time of one update in ms. */
    public static final String UPDATE_LATENCY_MS = "updateLatencyMs";
    /** Gauge: labelled requests waiting for the next update. */
    public static final String BUFFERED_REQUESTS = "bufferedRequests";
    /** Counter: labelled requests rejected by the learner (shape or values). */
    public static final String REJECTED_REQUESTS = "rejectedRequests";
    /** Gauge: native bytes ND4J holds in this TaskManager (JavaCPP Pointer.totalBytes; process-wide). */
    public static final String OFF_HEAP_BYTES = "offHeapBytes";
    /** Gauge: largest offHeapBytes seen right after an update of this subtask (temporaries not yet freed). */
    public static final String OFF_HEAP_PEAK_BYTES = "offHeapPeakBytes";
    /** Gauge: resident set size of the TaskManager process (JavaCPP Pointer.physicalBytes). */
    public static final String PHYSICAL_BYTES = "physicalBytes";
    /** Counter: snapshots published. */
    public static final String SNAPSHOTS_PUBLISHED = "snapshotsPublished";

    /** Counter: candidate versions the quality gate rejected (worse than the published one beyond the margin). */
    public static final String VERSIONS_REJECTED = "versionsRejected";
    /** Counter: publish attempts deferred because the holdout had too few labelled requests to judge. */
    public static final String VERSIONS_DEFERRED = "versionsDeferred";
    /** Counter: rollbacks of the learner to the last published state after consecutive rejections. */
    public static final String ROLLBACKS = "rollbacks";
    /** Gauge: version pinned by a control record on the policy topic (0: not pinned; publishing held while pinned). */
    public static final String PINNED_VERSION = "pinnedVersion";
    /** Gauge: highest valid version seen on the policy topic (any writer). */
    public static final String TOPIC_MAX_VERSION = "topicMaxVersion";
    /** Counter: publishes held back because a version is pinned. */
    public static final String PUBLISHES_HELD = "publishesHeld";
    /** Counter: rollback versions (./grade policy rollback) whose parameters the learner continued from. */
    public static final String VERSIONS_ADOPTED = "versionsAdopted";
    /** Counter: policy-topic records (snapshots, control records) the learner rejected (bad, unsigned, forged). */
    public static final String TOPIC_RECORDS_REJECTED = "topicRecordsRejected";
    /** Gauge: the last gate verdict's mean paired R_post difference, candidate minus current. */
    public static final String GATE_MEAN_DIFF = "gateMeanDiff";
    /** Gauge: the standard error of that difference. */
    public static final String GATE_STANDARD_ERROR = "gateStandardError";
    /** Gauge: held-out requests in the gate's window. */
    public static final String HOLDOUT_REQUESTS = "holdoutRequests";

    private LearnerMetrics() {}
}
