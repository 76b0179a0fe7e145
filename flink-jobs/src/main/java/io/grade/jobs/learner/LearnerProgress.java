package io.grade.jobs.learner;

/** Counters of the learner kept in keyed state beside the learner itself (a Flink POJO). */
public class LearnerProgress {
    /** Version of the last published snapshot (0: none yet). */
    public long version;
    /** Labelled requests learned from (in applied or skipped updates). */
    public long requestsLearned;
    /** Latest event time among learned requests. */
    public long trainedThrough;
    /** Learner update count at the last publish. */
    public long updatesAtLastPublish;
    /** Requests dropped because they did not fit the policy (wrong shape, non-finite). */
    public long rejectedRequests;
    /** Homogeneous groups so far. */
    public long homogeneousGroups;
    /** Requests ever added to the replay ring (the next goes to slot replayAdded % capacity). */
    public long replayAdded;
    /** Held-out requests ever added to the holdout ring of the quality gate. */
    public long holdoutAdded;
    /** Candidates the quality gate rejected in a row (reset by a publish or a rollback). */
    public int consecutiveRejections;
    /** Candidates the quality gate rejected so far. */
    public long versionsRejected;
    /** Rollbacks to the last published state so far. */
    public long rollbacks;
    /** Highest valid version seen on the policy topic (any writer); the next version is above it. */
    public long topicMaxVersion;
    /** Version pinned by the newest valid control record (0: not pinned); publishing is held meanwhile. */
    public long pinnedVersion;
    /** Sequence of the newest valid control record applied (0: none). */
    public long controlSequence;
    /** Rollback versions whose parameters the learner adopted. */
    public long versionsAdopted;
    public double lastMeanReward;
    public double lastKl;
    public double lastClipFraction;

    public LearnerProgress() {}
}
