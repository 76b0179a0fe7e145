package io.grade.jobs.events;

import io.grade.jobs.config.GradeConfig;
import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.Item;
import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks decoded events against the job configuration and converts them to the job's POJOs. Pure
 * and stateless: every rule is unit-tested; the first rule that fails decides the reason.
 */
public final class EventValidator implements Serializable {

    private static final long serialVersionUID = 1L;
    /** Served weights must lie on the simplex; serving rounds, so allow a small slack. */
    static final double WEIGHT_SUM_TOLERANCE = 1e-3;

    private final GradeConfig config;

    public EventValidator(GradeConfig config) {
        this.config = config;
    }

    /** Validates an impression and converts it; never throws. */
    public Checked<ImpressionEvent> impression(Impression in) {
        if (blank(in.getEventId()) || blank(in.getRequestId()) || blank(in.getUserId())) {
            return Checked.rejected(DeadLetterReason.MISSING_FIELD, "impression needs eventId, requestId and userId");
        }
        long eventTime = in.getEventTime() == null ? -1 : in.getEventTime().toEpochMilli();
        if (eventTime < 0) {
            return Checked.rejected(DeadLetterReason.NEGATIVE_TIME, "negative eventTime " + in.getEventTime());
        }
        List<Item> items = in.getItems();
        int m = items == null ? 0 : items.size();
        if (m == 0) {
            return Checked.rejected(DeadLetterReason.EMPTY_ITEMS, "impression " + in.getRequestId() + " has no items");
        }
        if (m > config.maxItems()) {
            return Checked.rejected(DeadLetterReason.TOO_MANY_ITEMS, m + " items > max-items " + config.maxItems());
        }
        int d = in.getFeatures() == null ? 0 : in.getFeatures().size();
        if (d != config.featureDim()) {
            return Checked.rejected(DeadLetterReason.FEATURE_DIM_MISMATCH,
                    "feature vector has " + d + " entries, feature-dim is " + config.featureDim());
        }
        int n = config.tasks();
        List<Double> weights = in.getServedWeights();
        if (weights == null || weights.size() != n) {
            return Checked.rejected(DeadLetterReason.TASK_COUNT_MISMATCH,
                    "servedWeights has " + (weights == null ? 0 : weights.size()) + " entries, tasks are " + n);
        }
        Set<String> ids = new HashSet<>(m * 2);
        for (int j = 0; j < m; j++) {
            Item item = items.get(j);
            if (blank(item.getItemId())) {
                return Checked.rejected(DeadLetterReason.MISSING_FIELD, "item " + j + " has no itemId");
            }
            int s = item.getScores() == null ? 0 : item.getScores().size();
            if (s != n) {
                return Checked.rejected(DeadLetterReason.TASK_COUNT_MISMATCH,
                        "item " + item.getItemId() + " has " + s + " scores, tasks are " + n);
            }
            if (!ids.add(item.getItemId())) {
                return Checked.rejected(DeadLetterReason.DUPLICATE_ITEM_ID,
                        "item id " + item.getItemId() + " appears twice in request " + in.getRequestId());
            }
        }
        ImpressionEvent out = new ImpressionEvent();
        out.eventId = in.getEventId();
        out.requestId = in.getRequestId();
        out.userId = in.getUserId();
        out.eventTime = eventTime;
        out.modelId = in.getModelId();
        out.policyVersion = in.getPolicyVersion();
        out.arm = (byte) in.getArm().ordinal();
        out.features = new float[d];
        for (int i = 0; i < d; i++) {
            float x = in.getFeatures().get(i);
            if (!Float.isFinite(x)) {
                return Checked.rejected(DeadLetterReason.NON_FINITE, "feature " + i + " is " + x);
            }
            out.features[i] = x;
        }
        out.servedWeights = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) {
            double w = weights.get(k);
            if (!Double.isFinite(w)) {
                return Checked.rejected(DeadLetterReason.NON_FINITE, "served weight " + k + " is " + w);
            }
            if (w < 0) {
                return Checked.rejected(DeadLetterReason.INVALID_WEIGHTS, "served weight " + k + " is negative: " + w);
            }
            out.servedWeights[k] = w;
            sum += w;
        }
        if (Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE) {
            return Checked.rejected(DeadLetterReason.INVALID_WEIGHTS, "served weights sum to " + sum + ", not 1");
        }
        out.itemIds = new String[m];
        out.positions = new int[m];
        out.scores = new float[m * n];
        for (int j = 0; j < m; j++) {
            Item item = items.get(j);
            out.itemIds[j] = item.getItemId();
            out.positions[j] = item.getPosition();
            List<Float> scores = item.getScores();
            for (int k = 0; k < n; k++) {
                float s = scores.get(k);
                if (!Float.isFinite(s)) {
                    return Checked.rejected(DeadLetterReason.NON_FINITE,
                            "score " + k + " of item " + item.getItemId() + " is " + s);
                }
                if (s < 0) {
                    return Checked.rejected(DeadLetterReason.NEGATIVE_SCORE,
                            "score " + k + " of item " + item.getItemId() + " is negative: " + s);
                }
                out.scores[j * n + k] = s;
            }
        }
        return Checked.ok(out);
    }

    /** Validates a feedback event and maps its type to a task; never throws. */
    public Checked<FeedbackEvent> feedback(Feedback in) {
        if (blank(in.getEventId()) || blank(in.getRequestId()) || blank(in.getUserId()) || blank(in.getItemId())
                || blank(in.getType())) {
            return Checked.rejected(DeadLetterReason.MISSING_FIELD,
                    "feedback needs eventId, requestId, userId, itemId and type");
        }
        long eventTime = in.getEventTime() == null ? -1 : in.getEventTime().toEpochMilli();
        if (eventTime < 0) {
            return Checked.rejected(DeadLetterReason.NEGATIVE_TIME, "negative eventTime " + in.getEventTime());
        }
        int task = config.taskOfFeedbackType(in.getType());
        if (task < 0) {
            return Checked.rejected(DeadLetterReason.UNKNOWN_FEEDBACK_TYPE,
                    "feedback type '" + in.getType() + "' is not mapped to a task");
        }
        double v = in.getValue();
        if (!Double.isFinite(v)) {
            return Checked.rejected(DeadLetterReason.NON_FINITE, "feedback value is " + v);
        }
        if (v < 0) {
            return Checked.rejected(DeadLetterReason.NEGATIVE_VALUE, "feedback value is negative: " + v);
        }
        return Checked.ok(FeedbackEvent.of(in.getEventId(), in.getRequestId(), in.getUserId(), in.getItemId(),
                eventTime, in.getType(), task, v));
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
