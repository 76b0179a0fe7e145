package io.grade.generator;

import io.grade.schemas.ExperimentArm;
import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.Item;
import io.grade.simulator.SimFeedback;
import io.grade.simulator.SimRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns simulated requests and responses into the Avro events of the contract, with ids that are
 * unique and deterministic per seed: request {@code r<seed>-<index>}, impression {@code imp-<request>},
 * feedback {@code fb-<request>-<item index>-<type>} (an item gets each feedback type at most once).
 */
final class EventFactory {

    private final String modelId;
    private final String runTag;

    EventFactory(String modelId, long seed) {
        this.modelId = modelId;
        this.runTag = "r" + Long.toUnsignedString(seed, 36);
    }

    /** The Kafka key and user id of a simulated user. */
    static String userId(int user) {
        return "u" + user;
    }

    /** The catalogue id of an item as it appears in events. */
    static String itemId(int item) {
        return Integer.toString(item);
    }

    String requestId(long index) {
        return runTag + "-" + index;
    }

    /**
     * The impression of a served request.
     *
     * @param scores the scores as serving saw them (float-rounded, items x tasks)
     * @param order candidate indices in served order; the first {@code shown} were shown
     */
    Impression impression(String requestId, String sessionId, SimRequest r, float[] features, double[] scores,
                          int[] order, int shown, double[] servedWeights, long policyVersion, ExperimentArm arm) {
        int m = r.items();
        int n = r.tasks();
        int[] position = new int[m];
        Arrays.fill(position, -1);
        for (int p = 0; p < shown; p++) {
            position[order[p]] = p;
        }
        List<Item> items = new ArrayList<>(m);
        for (int j = 0; j < m; j++) {
            List<Float> s = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                s.add((float) scores[j * n + k]);
            }
            items.add(new Item(itemId(r.itemIds()[j]), position[j], s));
        }
        List<Float> x = new ArrayList<>(features.length);
        for (float f : features) {
            x.add(f);
        }
        List<Double> w = new ArrayList<>(servedWeights.length);
        for (double v : servedWeights) {
            w.add(v);
        }
        return Impression.newBuilder()
                .setEventId("imp-" + requestId)
                .setRequestId(requestId)
                .setUserId(userId(r.user()))
                .setSessionHint(sessionId)
                .setEventTime(Instant.ofEpochMilli(r.eventTimeMillis()))
                .setModelId(modelId)
                .setPolicyVersion(policyVersion)
                .setServedWeights(w)
                .setFeatures(x)
                .setItems(items)
                .setArm(arm)
                .build();
    }

    /** A feedback event of a served request; its event time is the impression's plus the delay. */
    Feedback feedback(String requestId, SimRequest r, SimFeedback f) {
        return Feedback.newBuilder()
                .setEventId("fb-" + requestId + "-" + f.itemIndex() + "-" + f.type())
                .setRequestId(requestId)
                .setUserId(userId(r.user()))
                .setItemId(itemId(f.itemId()))
                .setEventTime(Instant.ofEpochMilli(r.eventTimeMillis() + f.delayMillis()))
                .setType(f.type())
                .setValue(f.value())
                .build();
    }

    /** The session hint of a session. */
    String sessionId(long session) {
        return runTag + "-s" + session;
    }
}
