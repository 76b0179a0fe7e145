package io.grade.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grade.model.fusion.Fusion;
import io.grade.model.policy.PolicyForward;
import io.grade.model.policy.PolicySnapshots;
import io.grade.schemas.ExperimentArm;
import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.Item;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import io.grade.serving.OnlineHoldout;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import io.grade.testkit.kafka.KafkaBrokerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The generator against a real broker: valid events, delayed feedback, and the closed loop through the policy topic. */
class EventGeneratorITCase {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private static final Instant START = Instant.parse("2026-03-01T08:00:00Z");
    private static final int REQUESTS = 4_000;
    private static final int PUBLISH_AFTER = 1_200;
    private static final long TEN_MINUTES = 10 * 60 * 1000;

    private final EventCodec<Impression> impressionCodec = EventCodec.impressions();
    private final EventCodec<Feedback> feedbackCodec = EventCodec.feedback();

    @Test
    void shouldProduceValidDelayedEventsAndServeTheNewestPolicy() throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        String impressions = EmbeddedKafkaBroker.uniqueTopic("impressions");
        String feedback = EmbeddedKafkaBroker.uniqueTopic("feedback");
        String policy = EmbeddedKafkaBroker.uniqueTopic("policy");
        broker.createTopic(impressions, 2);
        broker.createTopic(feedback, 2);
        broker.createTopic(policy, 1, Map.of("cleanup.policy", "compact"));
        GeneratorConfig config = GeneratorConfig.builder(broker.bootstrapServers())
                .impressionsTopic(impressions).feedbackTopic(feedback).policyTopic(policy)
                .seed(5).rate(1_000).speedup(600).startEventTime(START).maxRequests(REQUESTS).oracleEvery(5)
                .build();

        PolicySnapshot snapshot;
        GeneratorStats stats;
        try (EventGenerator generator = new EventGenerator(config);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(broker.producerProperties())) {
            generator.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> generator.stats().requests() >= PUBLISH_AFTER);
            snapshot = Fixtures.randomSnapshot(generator.world(), config.modelId(), 1, 77);
            producer.send(new ProducerRecord<>(policy, config.modelId().getBytes(StandardCharsets.UTF_8),
                    EventCodec.policySnapshots().encode(snapshot))).get();
            assertThat(generator.awaitDone(Duration.ofSeconds(40))).isTrue();
            assertThat(generator.failure()).isNull();
            stats = generator.stats();
        }
        assertThat(stats.requests()).isEqualTo(REQUESTS);
        assertThat(stats.pendingFeedback()).isZero();

        List<Impression> imps = decodeAll(broker, impressions, REQUESTS, impressionCodec);
        List<Feedback> fbs = decodeAll(broker, feedback, stats.feedbackEvents(), feedbackCodec);
        assertThat(imps).hasSize(REQUESTS);
        assertThat(fbs).hasSize((int) stats.feedbackEvents()).hasSizeGreaterThan(REQUESTS / 2);

        Map<String, Impression> byRequest = new HashMap<>();
        Set<String> eventIds = new HashSet<>();
        for (Impression imp : imps) {
            assertValid(imp);
            assertThat(eventIds.add(imp.getEventId())).isTrue();
            byRequest.put(imp.getRequestId(), imp);
        }
        int late = 0;
        for (Feedback f : fbs) {
            assertThat(eventIds.add(f.getEventId())).isTrue();
            Impression imp = byRequest.get(f.getRequestId());
            assertThat(imp).as("impression of feedback %s", f.getEventId()).isNotNull();
            assertThat(imp.getItems()).anySatisfy(it -> {
                assertThat(it.getItemId()).isEqualTo(f.getItemId());
                assertThat(it.getPosition()).isGreaterThanOrEqualTo(0);
            });
            long delay = f.getEventTime().toEpochMilli() - imp.getEventTime().toEpochMilli();
            assertThat(delay).isGreaterThanOrEqualTo(0);
            if (delay > TEN_MINUTES) {
                late++;
            }
        }
        assertThat(late).as("feedback after a 10-minute attribution window").isPositive();

        // requests in the order they were served; the closed loop: static weights until the policy exists,
        // and always for the users of the online holdout's control arm (the default 5 %)
        imps.sort(Comparator.comparingLong(i -> index(i.getRequestId())));
        assertThat(imps.get(0).getPolicyVersion()).isZero();
        OnlineHoldout holdout = config.holdout();
        int firstV1 = -1;
        long control = 0;
        for (int i = 0; i < imps.size(); i++) {
            long v = imps.get(i).getPolicyVersion();
            ExperimentArm arm = imps.get(i).getArm();
            assertThat(arm).isEqualTo(holdout.armOf(imps.get(i).getUserId()));
            if (arm == ExperimentArm.CONTROL) {
                assertThat(v).isZero();
                control++;
                continue;
            }
            if (firstV1 < 0 && v == 1) {
                firstV1 = i;
            }
            assertThat(v).isEqualTo(firstV1 >= 0 && i >= firstV1 ? 1 : 0);
        }
        assertThat(firstV1).as("the policy was served").isGreaterThanOrEqualTo(PUBLISH_AFTER).isLessThan(REQUESTS);
        PolicyForward forward = PolicySnapshots.forward(snapshot);
        double[] uniform = {0.25, 0.25, 0.25, 0.25};
        for (int i = 0; i < imps.size(); i++) {
            Impression imp = imps.get(i);
            double[] w = new double[4];
            if (i >= firstV1 && imp.getArm() != ExperimentArm.CONTROL) {
                forward.weights(features(imp), w);
            } else {
                w = uniform;
            }
            assertThat(imp.getServedWeights()).containsExactly(w[0], w[1], w[2], w[3]);
            assertThat(positions(imp)).isEqualTo(shownByRanking(imp, w, snapshot));
        }

        assertThat(stats.byVersion().keySet()).containsExactly(0L, 1L);
        long controlAfter = imps.subList(firstV1, imps.size()).stream().filter(i -> i.getArm() == ExperimentArm.CONTROL).count();
        assertThat(control).isPositive();
        assertThat(stats.controlRequests()).isEqualTo(control);
        assertThat(stats.byVersion().get(1L).requests()).isEqualTo(REQUESTS - firstV1 - controlAfter);
        assertThat(stats.byVersion().get(0L).served()).isEqualTo(stats.byVersion().get(0L).staticWeights());
        assertThat(stats.policies()).hasSize(1);
        assertThat(stats.policies().get(0).version()).isEqualTo(1);
        assertThat(stats.policies().get(0).firstServedRequest()).isEqualTo(firstV1);
        assertThat(stats.policies().get(0).freshnessMillis()).isBetween(0L, 30_000L);
        assertThat(stats.overall().oracle()).isGreaterThan(stats.overall().staticOnOracleSample());
        assertThat(stats.eventsPerSecond()).isPositive();
        System.out.printf("closed loop: %d requests, %d feedback, %.0f events/s, v1 from request %d, "
                        + "served %.4f static %.4f oracle %.4f%n", stats.requests(), stats.feedbackEvents(),
                stats.eventsPerSecond(), firstV1, stats.overall().served(), stats.overall().staticWeights(),
                stats.overall().oracle());
    }

    @Test
    void shouldSustainThousandsOfEventsPerSecondAgainstTheBroker() throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        String impressions = EmbeddedKafkaBroker.uniqueTopic("impressions");
        String feedback = EmbeddedKafkaBroker.uniqueTopic("feedback");
        String policy = EmbeddedKafkaBroker.uniqueTopic("policy");
        broker.createTopic(impressions, 2);
        broker.createTopic(feedback, 2);
        broker.createTopic(policy, 1, Map.of("cleanup.policy", "compact"));
        // a rate far above what one thread makes: the generator runs flat out
        GeneratorConfig config = GeneratorConfig.builder(broker.bootstrapServers())
                .impressionsTopic(impressions).feedbackTopic(feedback).policyTopic(policy)
                .seed(6).rate(1_000_000).speedup(60_000).startEventTime(START).maxRequests(20_000).oracleEvery(0)
                .build();
        GeneratorStats stats;
        try (EventGenerator generator = new EventGenerator(config)) {
            generator.start();
            assertThat(generator.awaitDone(Duration.ofSeconds(40))).isTrue();
            assertThat(generator.failure()).isNull();
            stats = generator.stats();
        }
        System.out.printf("throughput: %d events (%d requests, %d feedback) in %.2f s = %.0f events/s%n",
                stats.eventsProduced(), stats.requests(), stats.feedbackEvents(), stats.elapsedSeconds(),
                stats.eventsPerSecond());
        assertThat(stats.eventsProduced()).isEqualTo(stats.requests() + stats.feedbackEvents());
        assertThat(stats.eventsPerSecond()).isGreaterThan(1_000);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(broker.consumerProperties("count"))) {
            long total = 0;
            for (String topic : List.of(impressions, feedback)) {
                List<TopicPartition> parts = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
                total += c.endOffsets(parts).values().stream().mapToLong(Long::longValue).sum();
            }
            assertThat(total).as("idempotent producer: every event exactly once").isEqualTo(stats.eventsProduced());
        }
    }

    private static void assertValid(Impression imp) {
        assertThat(imp.getFeatures()).hasSize(32);
        assertThat(imp.getItems()).hasSize(50);
        assertThat(imp.getServedWeights()).hasSize(4);
        assertThat(imp.getServedWeights().stream().mapToDouble(Double::doubleValue).sum())
                .isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(imp.getModelId()).isEqualTo("default");
        Set<String> ids = new HashSet<>();
        Set<Integer> shown = new HashSet<>();
        for (Item it : imp.getItems()) {
            assertThat(ids.add(it.getItemId())).isTrue();
            assertThat(it.getScores()).hasSize(4).allSatisfy(s -> assertThat(s).isPositive().isFinite());
            if (it.getPosition() >= 0) {
                assertThat(shown.add(it.getPosition())).isTrue();
            } else {
                assertThat(it.getPosition()).isEqualTo(-1);
            }
        }
        assertThat(shown).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    /** Reads a topic to the expected count, checking that event time never goes back within a partition. */
    private static <T extends org.apache.avro.specific.SpecificRecordBase> List<T> decodeAll(
            EmbeddedKafkaBroker broker, String topic, long expected, EventCodec<T> codec) {
        List<T> out = new ArrayList<>();
        Map<Integer, Long> lastTime = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(broker.consumerProperties("check-" + topic))) {
            List<TopicPartition> parts = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    DecodeResult<T> d = codec.decode(r.value());
                    assertThat(d.isOk()).as("decodes: %s", d).isTrue();
                    T v = d.value();
                    long t = ((Instant) v.get("eventTime")).toEpochMilli();
                    assertThat(t).as("event time order in partition %d", r.partition())
                            .isGreaterThanOrEqualTo(lastTime.getOrDefault(r.partition(), Long.MIN_VALUE));
                    lastTime.put(r.partition(), t);
                    assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(v.get("userId").toString());
                    out.add(v);
                }
            }
        }
        return out;
    }

    private static long index(String requestId) {
        return Long.parseLong(requestId.substring(requestId.lastIndexOf('-') + 1));
    }

    private static float[] features(Impression imp) {
        float[] x = new float[imp.getFeatures().size()];
        for (int k = 0; k < x.length; k++) {
            x[k] = imp.getFeatures().get(k);
        }
        return x;
    }

    private static List<Integer> positions(Impression imp) {
        List<Integer> p = new ArrayList<>();
        for (Item it : imp.getItems()) {
            p.add(it.getPosition());
        }
        return p;
    }

    /** The shown positions a ranking by w of the impression's own scores gives (the world's betas = the snapshot's). */
    private static List<Integer> shownByRanking(Impression imp, double[] w, PolicySnapshot snapshot) {
        int m = imp.getItems().size();
        int n = w.length;
        double[] scores = new double[m * n];
        for (int j = 0; j < m; j++) {
            for (int k = 0; k < n; k++) {
                scores[j * n + k] = imp.getItems().get(j).getScores().get(k);
            }
        }
        double[] b = snapshot.getBetas().stream().mapToDouble(Double::doubleValue).toArray();
        double[] z = Fusion.inputs(snapshot.getFusion(), scores, m, n, b);
        double[] fused = new double[m];
        Fusion.fuse(z, m, n, w, fused);
        int[] order = new int[m];
        Fusion.rankDescending(fused, m, order);
        List<Integer> p = new ArrayList<>();
        for (int j = 0; j < m; j++) {
            p.add(-1);
        }
        for (int pos = 0; pos < 10; pos++) {
            p.set(order[pos], pos);
        }
        return p;
    }
}
