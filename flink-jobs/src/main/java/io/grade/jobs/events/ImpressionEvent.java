package io.grade.jobs.events;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A validated impression in the job's own form: primitive arrays instead of Avro lists, serialized
 * between tasks by the hand-written {@link ImpressionEventSerializer} (no reflection, no Kryo).
 */
@TypeInfo(ImpressionEventSerializer.Factory.class)
public class ImpressionEvent {

    public String eventId;
    public String requestId;
    public String userId;
    public long eventTime;
    public String modelId;
    public long policyVersion;
    /** Online-holdout arm: the ordinal of {@link io.grade.schemas.ExperimentArm} (0 UNASSIGNED, 1 TREATMENT, 2 CONTROL). */
    public byte arm;
    /** Served fusion weights, one per task. */
    public double[] servedWeights;
    /** Feature vector x (featureDim). */
    public float[] features;
    /** Candidate item ids, in the impression's order. */
    public String[] itemIds;
    /** Shown position of each item, -1 if scored but not shown. */
    public int[] positions;
    /** MTL scores, items x tasks, row-major. */
    public float[] scores;

    public ImpressionEvent() {}

    /** Number of candidate items. */
    public int items() {
        return itemIds.length;
    }

    @Override
    public String toString() {
        return "ImpressionEvent{" + requestId + ", user=" + userId + ", t=" + eventTime + ", items=" + itemIds.length + "}";
    }
}
