package io.grade.jobs;

import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.events.FeedbackEvent;
import io.grade.jobs.events.ImpressionEvent;
import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.Item;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Events and configurations shared by the tests of the data plane. */
public final class Fixtures {

    public static final int CTR = 0;
    public static final int CVR = 1;
    public static final int OPM = 2;
    public static final int GPM = 3;
    public static final int FEATURE_DIM = 3;
    public static final long WINDOW_MS = 10_000;
    public static final long ORPHAN_WAIT_MS = 5_000;
    public static final long SESSION_GAP_MS = 60_000;
    public static final long DEDUP_RETENTION_MS = 30_000;

    private Fixtures() {}

    /** Seconds-scale windows: 10 s attribution, 5 s orphan wait, 60 s session gap, 30 s dedup retention. */
    public static Map<String, String> testOptions() {
        return Map.of(
                "feature-dim", String.valueOf(FEATURE_DIM),
                "max-items", "10",
                "attribution-window", WINDOW_MS + " ms",
                "orphan-wait", ORPHAN_WAIT_MS + " ms",
                "session-gap", SESSION_GAP_MS + " ms",
                "dedup-retention", DEDUP_RETENTION_MS + " ms");
    }

    public static GradeConfig testConfig() {
        return GradeConfig.fromMap(testOptions());
    }

    /** Watermark beyond which every timer of requests up to {@code lastEventTime} has fired. */
    public static long drained(long lastEventTime) {
        return lastEventTime + WINDOW_MS + DEDUP_RETENTION_MS + SESSION_GAP_MS + ORPHAN_WAIT_MS + 1;
    }

    /** An impression with items i0..i(m-1) shown in order, decreasing scores, uniform weights. */
    public static ImpressionEvent impression(String user, String request, long t, int items) {
        ImpressionEvent e = new ImpressionEvent();
        e.eventId = "imp-" + request;
        e.requestId = request;
        e.userId = user;
        e.eventTime = t;
        e.modelId = "default";
        e.policyVersion = 3;
        e.servedWeights = new double[] {0.25, 0.25, 0.25, 0.25};
        e.features = new float[] {0.1f, -0.2f, 0.3f};
        e.itemIds = new String[items];
        e.positions = new int[items];
        e.scores = new float[items * 4];
        for (int j = 0; j < items; j++) {
            e.itemIds[j] = "i" + j;
            e.positions[j] = j;
            for (int k = 0; k < 4; k++) {
                e.scores[j * 4 + k] = 0.9f - 0.1f * j + 0.01f * k;
            }
        }
        return e;
    }

    public static FeedbackEvent feedback(String id, String user, String request, String item, long t, int task,
                                         double value) {
        String type = switch (task) {
            case CTR -> "click";
            case CVR -> "order";
            case OPM -> "profit";
            default -> "gmv";
        };
        return FeedbackEvent.of(id, request, user, item, t, type, task, value);
    }

    /** A valid Avro impression matching {@link #testConfig()} (feature dim 3, 4 tasks). */
    public static Impression.Builder avroImpression(String user, String request, long t, int items) {
        List<Item> list = new ArrayList<>();
        for (int j = 0; j < items; j++) {
            list.add(Item.newBuilder().setItemId("i" + j).setPosition(j)
                    .setScores(List.of(0.5f, 0.2f, 1.5f, 3.0f)).build());
        }
        return Impression.newBuilder()
                .setEventId("imp-" + request).setRequestId(request).setUserId(user)
                .setEventTime(Instant.ofEpochMilli(t))
                .setServedWeights(List.of(0.4, 0.3, 0.2, 0.1))
                .setFeatures(List.of(0.1f, 0.2f, 0.3f))
                .setItems(list);
    }

    public static Feedback.Builder avroFeedback(String id, String user, String request, String item, long t,
                                                String type, double value) {
        return Feedback.newBuilder().setEventId(id).setRequestId(request).setUserId(user).setItemId(item)
                .setEventTime(Instant.ofEpochMilli(t)).setType(type).setValue(value);
    }
}
