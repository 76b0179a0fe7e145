package io.grade.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.events.EventDeserializationSchema;
import io.grade.jobs.events.InputRecord;
import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.PolicyParameters;
import io.grade.model.policy.PolicySnapshots;
import io.grade.model.policy.SnapshotMetadata;
import io.grade.schemas.ExperimentArm;
import io.grade.schemas.Feedback;
import io.grade.schemas.FusionKind;
import io.grade.schemas.Impression;
import io.grade.schemas.Item;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.TrainingStats;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import io.grade.serving.OnlineHoldout;
import io.grade.serving.Ranker;
import io.grade.serving.ServingPolicy;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import io.grade.testkit.kafka.KafkaBrokerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The example service end to end against a real broker, on the job's default topics: it serves
 * the static fallback (version 0) while the policy topic is empty, then a published policy
 * (version 1); every Impression and Feedback it produced is keyed by the user id, decodes with
 * {@link EventCodec} and passes the job's own decoder and validator ({@link
 * EventDeserializationSchema}, default configuration) without a dead letter.
 */
class RankingServiceITCase {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private static final int CANDIDATES = 6;
    private static final int SHOWN = 4;

    /** The first of u2, u3, ... in the default holdout's treatment arm (95 % of users). */
    private static final String TREATMENT_USER = java.util.stream.IntStream.range(2, 10_000).mapToObj(i -> "u" + i)
            .filter(u -> OnlineHoldout.defaults().armOf(u) == ExperimentArm.TREATMENT).findFirst().orElseThrow();
    /** The first of u0, u1, ... in the default holdout's control arm (5 % of users). */
    private static final String CONTROL_USER = java.util.stream.IntStream.range(0, 10_000).mapToObj(i -> "u" + i)
            .filter(u -> OnlineHoldout.defaults().armOf(u) == ExperimentArm.CONTROL).findFirst().orElseThrow();

    @Test
    void shouldRankWithTheFallbackThenThePolicyAndProduceEventsTheJobAccepts() throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        broker.createTopic("grade.policy", 1, Map.of("cleanup.policy", "compact"));
        broker.createTopic("grade.impressions", 2);
        broker.createTopic("grade.feedback", 2);
        Random rng = new Random(16);
        float[] features = features(rng);
        List<String> itemIds = List.of("a", "b", "c", "d", "e", "f");
        double[] scores = scores(rng);
        Instant t0 = Instant.now().minusSeconds(60);

        List<String> fallbackPage;
        List<String> policyPage;
        try (RankingService service = new RankingService(broker.bootstrapServers())) {
            assertThat(service.awaitWarmUp(Duration.ofSeconds(30))).isTrue();
            assertThat(service.health().servedVersion()).isZero();
            fallbackPage = service.rank("req-1", "u1", t0, features, itemIds, scores, SHOWN);
            service.feedback("req-1", "u1", fallbackPage.get(0), t0.plusSeconds(2), "click", 1);
            service.feedback("req-1", "u1", fallbackPage.get(0), t0.plusSeconds(9), "order", 1);

            publish(broker, policyFavouringCtr());
            await().atMost(Duration.ofSeconds(30)).until(() -> service.health().servedVersion() == 1);
            policyPage = service.rank("req-2", TREATMENT_USER, t0.plusSeconds(30), features, itemIds, scores, SHOWN);
            service.feedback("req-2", TREATMENT_USER, policyPage.get(1), t0.plusSeconds(33), "click", 1);
            service.feedback("req-2", TREATMENT_USER, policyPage.get(1), t0.plusSeconds(40), "gmv", 12.5);
            // a user of the online holdout's control arm keeps the static weights, recorded as CONTROL
            service.rank("req-3", CONTROL_USER, t0.plusSeconds(50), features, itemIds, scores, SHOWN);
        } // close() flushes the producer
        assertThat(fallbackPage).hasSize(SHOWN).doesNotHaveDuplicates();
        assertThat(policyPage).hasSize(SHOWN).doesNotHaveDuplicates();

        EventDeserializationSchema job = new EventDeserializationSchema(GradeConfig.fromMap(Map.of()));
        List<Impression> imps = acceptedByTheJob(broker, "grade.impressions", EventCodec.impressions(), job);
        List<Feedback> fbs = acceptedByTheJob(broker, "grade.feedback", EventCodec.feedback(), job);
        assertThat(imps).extracting(Impression::getRequestId).containsExactlyInAnyOrder("req-1", "req-2", "req-3");
        assertThat(fbs).extracting(Feedback::getType).containsExactlyInAnyOrder("click", "order", "click", "gmv");

        Impression cold = byRequest(imps, "req-1");
        assertThat(cold.getPolicyVersion()).isZero();
        assertThat(cold.getServedWeights()).containsExactly(0.25, 0.25, 0.25, 0.25);
        assertServedAsRecorded(cold, fallbackPage, itemIds, scores, features);

        Impression warm = byRequest(imps, "req-2");
        assertThat(warm.getPolicyVersion()).isEqualTo(1);
        assertThat(warm.getServedWeights().get(0)).isGreaterThan(0.8); // the policy's out.b favours ctr
        assertServedAsRecorded(warm, policyPage, itemIds, scores, features);
        assertThat(warm.getArm()).isEqualTo(ExperimentArm.TREATMENT);
        Impression control = byRequest(imps, "req-3");
        assertThat(control.getArm()).isEqualTo(ExperimentArm.CONTROL);
        assertThat(control.getPolicyVersion()).isZero();
        assertThat(control.getServedWeights()).containsExactly(0.25, 0.25, 0.25, 0.25);
        assertThat(fbs).filteredOn(f -> f.getType().equals("gmv")).singleElement()
                .satisfies(f -> assertThat(f.getValue()).isEqualTo(12.5));
    }

    /** Positions 0.. in page order, -1 for the rest; scores and features as given; page = ranking by the served weights. */
    private static void assertServedAsRecorded(Impression imp, List<String> page, List<String> itemIds,
                                               double[] scores, float[] features) {
        int n = RankingService.TASKS.size();
        List<Item> items = imp.getItems();
        assertThat(items).extracting(Item::getItemId).containsExactlyElementsOf(itemIds);
        for (int j = 0; j < items.size(); j++) {
            Item item = items.get(j);
            assertThat(item.getPosition()).isEqualTo(page.indexOf(item.getItemId()));
            for (int k = 0; k < n; k++) {
                assertThat(item.getScores().get(k)).isEqualTo((float) scores[j * n + k]);
            }
        }
        assertThat(imp.getFeatures()).hasSize(features.length).first().isEqualTo(features[0]);
        double[] w = imp.getServedWeights().stream().mapToDouble(Double::doubleValue).toArray();
        int[] order = Ranker.rankWith(defaultsPolicy(), w, scores, itemIds.size()).order();
        for (int p = 0; p < page.size(); p++) {
            assertThat(page.get(p)).isEqualTo(itemIds.get(order[p]));
        }
    }

    /** Every record of the topic: keyed by its user id, decoded, and accepted by the job (no dead letter). */
    private static <T extends org.apache.avro.specific.SpecificRecordBase> List<T> acceptedByTheJob(
            EmbeddedKafkaBroker broker, String topic, EventCodec<T> codec, EventDeserializationSchema job) {
        List<T> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : broker.readAll(topic)) {
            DecodeResult<T> decoded = codec.decode(r.value());
            assertThat(decoded.isOk()).as("%s decodes: %s", topic, decoded).isTrue();
            T event = decoded.value();
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(event.get("userId").toString());
            InputRecord in = job.toInput(r);
            assertThat(in.deadLetter).as("the job's verdict on %s", event).isNull();
            out.add(event);
        }
        return out;
    }

    private static Impression byRequest(List<Impression> imps, String requestId) {
        return imps.stream().filter(i -> i.getRequestId().equals(requestId)).findFirst().orElseThrow();
    }

    /** A fusion-only policy of the job's defaults, to replay a ranking with recorded weights. */
    private static ServingPolicy defaultsPolicy() {
        return ServingPolicy.staticWeights("default", RankingService.TASKS, RankingService.FEATURE_DIM,
                FusionKind.LOG_LINEAR, new double[] {1e-6, 1e-6, 1e-6, 1e-6}, new double[] {1, 1, 1, 1});
    }

    /** Version 1 of model "default", default architecture: zero weights, an output bias of 3 on ctr. */
    private static PolicySnapshot policyFavouringCtr() {
        PolicyArchitecture arch = PolicyArchitecture.defaults(RankingService.FEATURE_DIM, RankingService.TASKS.size());
        PolicyParameters.Builder params = PolicyParameters.builder();
        arch.parameterShapes().forEach((name, shape) -> {
            double[] v = new double[shape.length == 1 ? shape[0] : shape[0] * shape[1]];
            if (name.equals(PolicyArchitecture.OUT_B)) {
                v[0] = 3;
            }
            params.put(name, shape, v);
        });
        SnapshotMetadata meta = new SnapshotMetadata("default", 1, Instant.now(), Instant.now(), RankingService.TASKS,
                FusionKind.LOG_LINEAR, new double[] {1e-6, 1e-6, 1e-6, 1e-6}, 8.0, 0.05,
                new TrainingStats(0.0, 0.0, 0.0, 1L, 1L));
        return PolicySnapshots.toSnapshot(arch, params.build(), meta);
    }

    private static void publish(EmbeddedKafkaBroker broker, PolicySnapshot snapshot) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(broker.producerProperties())) {
            producer.send(new ProducerRecord<>("grade.policy", snapshot.getModelId().getBytes(StandardCharsets.UTF_8),
                    EventCodec.policySnapshots().encode(snapshot))).get();
        }
    }

    private static float[] features(Random rng) {
        float[] x = new float[RankingService.FEATURE_DIM];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return x;
    }

    /** Items x tasks: ctr and cvr probabilities, opm and gpm amounts. */
    private static double[] scores(Random rng) {
        int n = RankingService.TASKS.size();
        double[] s = new double[CANDIDATES * n];
        for (int j = 0; j < CANDIDATES; j++) {
            s[j * n] = 0.01 + 0.2 * rng.nextDouble();
            s[j * n + 1] = 0.001 + 0.05 * rng.nextDouble();
            s[j * n + 2] = 5 * rng.nextDouble();
            s[j * n + 3] = 50 * rng.nextDouble();
        }
        return s;
    }
}
