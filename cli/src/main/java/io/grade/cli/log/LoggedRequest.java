package io.grade.cli.log;

import io.grade.schemas.ExperimentArm;
import java.util.List;

/**
 * One row of a request log (docs/REQUEST-LOG.md): a served request with its candidates, their
 * MTL scores and shown positions, the weights serving used if known, and the feedback each item got.
 *
 * @param requestId id of the request, unique in the log
 * @param userId user id: the Kafka key of the replayed events
 * @param eventTimeMs when the request was served, epoch milliseconds (UTC)
 * @param sessionId the client's session id, or null
 * @param modelId id of the policy model that served it, or null (replayed as the job's default model id)
 * @param policyVersion version of the policy that produced the served weights; 0 = static weights
 * @param servedWeights the fusion weights serving used, one per task, or null when not known
 * @param features the user/context feature vector x
 * @param candidates the candidates in the order the ranking service scored them
 * @param arm the user's online-holdout arm (UNASSIGNED when the service ran no holdout)
 */
public record LoggedRequest(String requestId, String userId, long eventTimeMs, String sessionId, String modelId,
                            long policyVersion, double[] servedWeights, double[] features, List<Candidate> candidates,
                            ExperimentArm arm) {

    /** A request of a service without an online holdout (arm UNASSIGNED). */
    public LoggedRequest(String requestId, String userId, long eventTimeMs, String sessionId, String modelId,
                         long policyVersion, double[] servedWeights, double[] features, List<Candidate> candidates) {
        this(requestId, userId, eventTimeMs, sessionId, modelId, policyVersion, servedWeights, features, candidates,
                ExperimentArm.UNASSIGNED);
    }

    /** Number of tasks: the length of every candidate's score array. */
    public int tasks() {
        return candidates.get(0).scores().length;
    }

    /**
     * One candidate item.
     *
     * @param itemId item id, unique in the request
     * @param scores per-task MTL scores, in the job's task order
     * @param position 0-based position the item was shown at; -1 = not shown
     * @param labels the feedback the item got (empty when none)
     */
    public record Candidate(String itemId, double[] scores, int position, List<Label> labels) {}

    /**
     * One feedback event of an item.
     *
     * @param type feedback type as on the Feedback event (click, order, ...), mapped to a task by the
     *     job's feedback-tasks
     * @param value 1 for binary feedback, the amount for value tasks
     * @param timeMs when the user acted, epoch milliseconds; not before the request's event time
     */
    public record Label(String type, double value, long timeMs) {}
}
