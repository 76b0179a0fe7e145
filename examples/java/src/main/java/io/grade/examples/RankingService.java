package io.grade.examples;

// [readme-serving-start]
import io.grade.schemas.ExperimentArm;
import io.grade.schemas.Feedback;
import io.grade.schemas.FusionKind;
import io.grade.schemas.Impression;
import io.grade.schemas.Item;
import io.grade.schemas.codec.EventCodec;
import io.grade.serving.PolicyClient;
import io.grade.serving.PolicyClientHealth;
import io.grade.serving.Ranker;
import io.grade.serving.Ranking;
import io.grade.serving.ServingPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** A ranking service: fusion weights from the GRADE job, an Impression per request, Feedback per action. */
public final class RankingService implements AutoCloseable {

    // The job's defaults (--tasks, --feature-dim, --fusion, --betas, --model-id): the fallback and
    // every policy the client accepts must agree on them, so configure both sides the same way.
    public static final List<String> TASKS = List.of("ctr", "cvr", "opm", "gpm");
    public static final int FEATURE_DIM = 32;
    private static final double[] BETAS = {1e-6, 1e-6, 1e-6, 1e-6};
    private static final String MODEL_ID = "default";

    private final PolicyClient policies;
    private final KafkaProducer<String, byte[]> producer;
    private final EventCodec<Impression> impressions = EventCodec.impressions();
    private final EventCodec<Feedback> feedback = EventCodec.feedback();
    private final AtomicLong sendFailures = new AtomicLong();

    public RankingService(String bootstrapServers) {
        // version 0, served until the first policy arrives: equal weights, like the job's cold start
        ServingPolicy fallback = ServingPolicy.staticWeights(MODEL_ID, TASKS, FEATURE_DIM, FusionKind.LOG_LINEAR,
                BETAS, new double[] {1, 1, 1, 1});
        policies = PolicyClient.builder(bootstrapServers, "grade.policy", fallback).build().start();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** Waits until the compacted policy topic is replayed; the fallback serves meanwhile. */
    public boolean awaitWarmUp(Duration timeout) throws InterruptedException {
        return policies.awaitWarmUp(timeout);
    }

    /**
     * Ranks a request's candidates, produces its Impression and returns the ids to show, best first.
     *
     * @param features user/context features, FEATURE_DIM entries
     * @param scores the MTL model's scores, items x tasks row-major, tasks in TASKS order:
     *     scores[j * TASKS.size() + k] is task k (ctr, cvr, opm, gpm) of itemIds.get(j); probabilities for
     *     ctr and cvr, amounts >= 0 for opm and gpm
     * @param shown how many of the ranked candidates the page shows (the others get position -1)
     */
    public List<String> rank(String requestId, String userId, Instant servedAt, float[] features,
                             List<String> itemIds, double[] scores, int shown) {
        int m = itemIds.size();
        int n = TASKS.size();
        // the online holdout: a fixed 5 % of users (by a hash of the id) are ranked with the fallback's
        // static weights, so the job can measure what the learned policy earns over them
        ExperimentArm arm = policies.arm(userId);
        Ranking r = Ranker.rank(policies.policyFor(arm), features, scores, m);
        int[] position = new int[m];
        Arrays.fill(position, -1);
        List<String> page = new ArrayList<>();
        for (int p = 0; p < Math.min(shown, m); p++) {
            position[r.order()[p]] = p;
            page.add(itemIds.get(r.order()[p]));
        }
        List<Item> items = new ArrayList<>(m);
        for (int j = 0; j < m; j++) {
            List<Float> s = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                s.add((float) scores[j * n + k]);
            }
            items.add(new Item(itemIds.get(j), position[j], s));
        }
        List<Float> x = new ArrayList<>(features.length);
        for (float f : features) {
            x.add(f);
        }
        Impression impression = Impression.newBuilder()
                .setEventId("imp-" + requestId).setRequestId(requestId).setUserId(userId)
                .setEventTime(servedAt).setModelId(MODEL_ID)
                .setPolicyVersion(r.policyVersion())                        // 0 = the static fallback
                .setServedWeights(Arrays.stream(r.weights()).boxed().toList())  // what ranked this request
                .setFeatures(x).setItems(items).setArm(arm).build();
        send("grade.impressions", userId, impressions.encode(impression));
        return page;
    }

    /** A user's action on an item of a request: type click or order (value 1), profit or gmv (an amount). */
    public void feedback(String requestId, String userId, String itemId, Instant at, String type, double value) {
        Feedback f = Feedback.newBuilder()
                .setEventId("fb-" + requestId + "-" + itemId + "-" + type)  // a resend is counted once
                .setRequestId(requestId).setUserId(userId).setItemId(itemId)
                .setEventTime(at).setType(type).setValue(value).build();
        send("grade.feedback", userId, feedback.encode(f));
    }

    /** For the service's health endpoint and gauges (served version, connection, rejections). */
    public PolicyClientHealth health() {
        return policies.health();
    }

    private void send(String topic, String userId, byte[] avroSingleObject) {
        // keyed by user id: the job joins a user's impressions and feedback in one partition
        producer.send(new ProducerRecord<>(topic, userId, avroSingleObject), (meta, e) -> {
            if (e != null) {
                sendFailures.incrementAndGet();  // the producer already retried: log it, alert on it
            }
        });
    }

    /** Events the producer gave up on. */
    public long sendFailures() {
        return sendFailures.get();
    }

    @Override
    public void close() {
        producer.close();  // flushes what is still buffered
        policies.close();
    }
}
// [readme-serving-end]
