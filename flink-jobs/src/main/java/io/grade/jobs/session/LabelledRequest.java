package io.grade.jobs.session;

import io.grade.model.reward.RewardBreakdown;
import java.util.Arrays;

/**
 * A request whose attribution window closed, with everything the learner needs: features x, the
 * candidates' MTL scores, per-item per-task labels, the served weights and policy version, and the
 * session context. A Flink POJO of primitive arrays (no Kryo); the learner stage consumes it.
 */
public class LabelledRequest {

    public String userId;
    public String requestId;
    public String modelId;
    public long policyVersion;
    /** Online-holdout arm: the ordinal of {@link io.grade.schemas.ExperimentArm} (0 UNASSIGNED, 1 TREATMENT, 2 CONTROL). */
    public byte arm;
    /** Event time of the impression. */
    public long eventTime;
    /** Event time the attribution window closed (also the record's Flink timestamp). */
    public long closeTime;
    public int items;
    public int tasks;
    public float[] features;
    public String[] itemIds;
    public int[] positions;
    /** MTL scores, items x tasks, row-major. */
    public float[] scores;
    /** Labels y, items x tasks, row-major. */
    public double[] labels;
    public double[] servedWeights;
    /** Feedback events joined into the labels (0 for a request nobody reacted to). */
    public int feedbackCount;
    /** Event time the request's session started. */
    public long sessionStart;
    /** 0-based position of the request in its session. */
    public int sessionPosition;
    /** Requests in the session so far (when the window closed). */
    public int sessionRequests;
    /** Composite reward of the served ranking with the final labels (docs/SPEC.md section 6). */
    public double rewardPost;
    public double rewardPrior;
    public double rewardFormat;
    public double rewardTotal;

    public LabelledRequest() {}

    /** The labelled request of a closing request: its impression data, final labels and reward. */
    public static LabelledRequest of(OpenRequest r, RequestLabels labels, int sessionRequests, RewardBreakdown reward) {
        LabelledRequest l = new LabelledRequest();
        l.userId = r.userId;
        l.requestId = r.requestId;
        l.modelId = r.modelId;
        l.policyVersion = r.policyVersion;
        l.arm = r.arm;
        l.eventTime = r.eventTime;
        l.closeTime = r.closeTime;
        l.items = r.items();
        l.tasks = r.tasks();
        l.features = r.features;
        l.itemIds = labels.itemIds();
        l.positions = r.positions;
        l.scores = r.scores;
        l.labels = labels.denseLabels();
        l.servedWeights = r.servedWeights;
        l.feedbackCount = labels.joinedFeedback();
        l.sessionStart = r.sessionStart;
        l.sessionPosition = r.sessionPosition;
        l.sessionRequests = sessionRequests;
        l.rewardPost = reward.post();
        l.rewardPrior = reward.prior();
        l.rewardFormat = reward.format();
        l.rewardTotal = reward.total();
        return l;
    }

    /** Label of item j for task k. */
    public double label(int item, int task) {
        return labels[item * tasks + task];
    }

    /** Index of an item id, -1 if absent. */
    public int indexOf(String itemId) {
        for (int j = 0; j < itemIds.length; j++) {
            if (itemIds[j].equals(itemId)) {
                return j;
            }
        }
        return -1;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof LabelledRequest l)) {
            return false;
        }
        return policyVersion == l.policyVersion && arm == l.arm && eventTime == l.eventTime && closeTime == l.closeTime
                && items == l.items && tasks == l.tasks && feedbackCount == l.feedbackCount
                && sessionStart == l.sessionStart && sessionPosition == l.sessionPosition
                && sessionRequests == l.sessionRequests && Double.compare(rewardPost, l.rewardPost) == 0
                && Double.compare(rewardPrior, l.rewardPrior) == 0 && Double.compare(rewardFormat, l.rewardFormat) == 0
                && Double.compare(rewardTotal, l.rewardTotal) == 0 && userId.equals(l.userId)
                && requestId.equals(l.requestId) && modelId.equals(l.modelId) && Arrays.equals(features, l.features)
                && Arrays.equals(itemIds, l.itemIds) && Arrays.equals(positions, l.positions)
                && Arrays.equals(scores, l.scores) && Arrays.equals(labels, l.labels)
                && Arrays.equals(servedWeights, l.servedWeights);
    }

    @Override
    public int hashCode() {
        return requestId.hashCode() * 31 + Long.hashCode(eventTime);
    }

    @Override
    public String toString() {
        return "LabelledRequest{" + requestId + ", user=" + userId + ", t=" + eventTime + ", items=" + items
                + ", feedback=" + feedbackCount + ", session=" + sessionPosition + "/" + sessionRequests
                + ", R=" + rewardTotal + "}";
    }
}
