package io.grade.jobs.session;

import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.events.ImpressionEvent;

/**
 * The impression data of a request whose attribution window is open, written once when it opens
 * and read once when it closes (feedback never touches it: labels, feedback ids and the item ids
 * it is matched by live in the small {@link RequestLabels}). Stored with
 * {@link OpenRequestSerializer} in keyed MapState by request id, removed by the close timer.
 */
public final class OpenRequest {

    public String requestId;
    public String impressionEventId;
    public String userId;
    public long eventTime;
    /** eventTime + the longest attribution window. */
    public long closeTime;
    public String modelId;
    public long policyVersion;
    /** Online-holdout arm: the ordinal of {@link io.grade.schemas.ExperimentArm} (0 UNASSIGNED, 1 TREATMENT, 2 CONTROL). */
    public byte arm;
    public double[] servedWeights;
    public float[] features;
    public int[] positions;
    /** items x tasks, row-major. */
    public float[] scores;
    public long sessionStart;
    public int sessionPosition;

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
        r.arm = e.arm;
        r.servedWeights = e.servedWeights;
        r.features = e.features;
        r.positions = e.positions;
        r.scores = e.scores;
        r.sessionStart = session.start;
        r.sessionPosition = session.lastPosition();
        return r;
    }

    public int items() {
        return positions.length;
    }

    public int tasks() {
        return servedWeights.length;
    }

    @Override
    public String toString() {
        return "OpenRequest{" + requestId + ", t=" + eventTime + ", closes=" + closeTime + "}";
    }
}
