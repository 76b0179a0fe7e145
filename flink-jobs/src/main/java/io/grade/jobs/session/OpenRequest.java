package io.grade.jobs.session;

import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.events.FeedbackEvent;
import io.grade.jobs.events.ImpressionEvent;
import java.util.Arrays;

/**
 * A request whose attribution window is open: the impression's data plus the labels filled so
 * far. A Flink POJO (primitive arrays) in keyed MapState, removed by the close timer.
 */
public class OpenRequest {

    public String requestId;
    public String impressionEventId;
    public String userId;
    public long eventTime;
    /** eventTime + the longest attribution window. */
    public long closeTime;
    public String modelId;
    public long policyVersion;
    public double[] servedWeights;
    public float[] features;
    public String[] itemIds;
    public int[] positions;
    /** items x tasks, row-major. */
    public float[] scores;
    /** items x tasks, row-major: binary tasks hold the max feedback value, value tasks the sum. */
    public double[] labels;
    /** Ids of every feedback event applied or rejected for this request: dedup within its lifetime. */
    public String[] feedbackEventIds;
    public int joinedFeedback;
    public long sessionStart;
    public int sessionPosition;
    /** Served ranking's reward with the labels so far. */
    public double rewardPost;
    public double rewardPrior;
    public double rewardFormat;
    public double rewardTotal;

    public OpenRequest() {}

    /** Opens the request of an impression at its position in the user's session. */
    public static OpenRequest open(ImpressionEvent e, SessionState session, GradeConfig config) {
        OpenRequest r = new OpenRequest();
        r.requestId = e.requestId;
        r.impressionEventId = e.eventId;
        r.userId = e.userId;
        r.eventTime = e.eventTime;
        r.closeTime = e.eventTime + config.maxWindowMs();
        r.modelId = e.modelId;
        r.policyVersion = e.policyVersion;
        r.servedWeights = e.servedWeights;
        r.features = e.features;
        r.itemIds = e.itemIds;
        r.positions = e.positions;
        r.scores = e.scores;
        r.labels = new double[e.itemIds.length * config.tasks()];
        r.feedbackEventIds = new String[0];
        r.sessionStart = session.start;
        r.sessionPosition = session.lastPosition();
        return r;
    }

    public int items() {
        return itemIds.length;
    }

    public int tasks() {
        return servedWeights.length;
    }

    /**
     * Applies one feedback event: counted once per event id, matched to its item, checked against
     * its task's window, then folded into the labels. Mutates this request.
     */
    public FeedbackOutcome apply(FeedbackEvent f, GradeConfig config) {
        for (String id : feedbackEventIds) {
            if (id.equals(f.eventId)) {
                return FeedbackOutcome.DUPLICATE;
            }
        }
        feedbackEventIds = Arrays.copyOf(feedbackEventIds, feedbackEventIds.length + 1);
        feedbackEventIds[feedbackEventIds.length - 1] = f.eventId;
        int item = indexOf(f.itemId);
        if (item < 0) {
            return FeedbackOutcome.UNKNOWN_ITEM;
        }
        if (f.eventTime >= eventTime + config.taskWindowMs(f.task)) {
            return FeedbackOutcome.LATE;
        }
        int cell = item * tasks() + f.task;
        labels[cell] = config.binaryTask(f.task) ? Math.max(labels[cell], f.value) : labels[cell] + f.value;
        joinedFeedback++;
        return FeedbackOutcome.JOINED;
    }

    private int indexOf(String itemId) {
        for (int j = 0; j < itemIds.length; j++) {
            if (itemIds[j].equals(itemId)) {
                return j;
            }
        }
        return -1;
    }

    /** Label of item j for task k. */
    public double label(int item, int task) {
        return labels[item * tasks() + task];
    }

    @Override
    public String toString() {
        return "OpenRequest{" + requestId + ", t=" + eventTime + ", closes=" + closeTime + ", joined=" + joinedFeedback + "}";
    }
}
