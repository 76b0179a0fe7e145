package io.grade.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.schemas.DeadLetter;
import io.grade.schemas.Feedback;
import io.grade.schemas.FusionKind;
import io.grade.schemas.Impression;
import io.grade.schemas.Item;
import io.grade.schemas.ParameterTensor;
import io.grade.schemas.PolicySnapshot;
import io.grade.schemas.TrainingStats;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import io.grade.testkit.kafka.EmbeddedKafkaBroker;
import io.grade.testkit.kafka.KafkaBrokerExtension;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every record type of the event contract survives a trip through a real broker, field by field. */
class EventContractITCase {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @Test
    void shouldRoundTripImpressionsThroughTheBroker() {
        Impression imp = Impression.newBuilder()
                .setEventId("imp-1").setRequestId("req-1").setUserId("user-42").setSessionHint(null)
                .setEventTime(Instant.ofEpochMilli(1_763_800_000_000L)).setModelId("default").setPolicyVersion(12)
                .setServedWeights(List.of(0.4, 0.3, 0.2, 0.1)).setFeatures(List.of(0.25f, -3.5f, 1e-3f))
                .setItems(List.of(new Item("item-1", 0, List.of(0.12f, 0.03f, 4.5f, 39.9f)),
                        new Item("item-2", -1, List.of(0.02f, 0.001f, 0.5f, 9.9f))))
                .build();
        roundTrip(EventCodec.impressions(), imp, "user-42");
    }

    @Test
    void shouldRoundTripFeedbackThroughTheBroker() {
        roundTrip(EventCodec.feedback(),
                new Feedback("fb-1", "req-1", "user-42", "item-1", Instant.ofEpochMilli(1_763_800_004_000L), "gmv", 39.9),
                "user-42");
    }

    @Test
    void shouldRoundTripPolicySnapshotsThroughTheBroker() {
        PolicySnapshot snap = PolicySnapshot.newBuilder()
                .setModelId("default").setVersion(3).setCreatedAt(Instant.ofEpochMilli(1_763_800_100_000L))
                .setTrainedThrough(Instant.ofEpochMilli(1_763_800_000_000L))
                .setTaskNames(List.of("ctr", "cvr", "opm", "gpm")).setFeatureDim(3)
                .setFusion(FusionKind.LINEAR).setBetas(List.of(1e-6, 1e-6, 1e-3, 1e-3))
                .setExperts(1).setHidden(2).setTower(2).setEpsilonFloor(1e-3)
                .setParameters(List.of(new ParameterTensor("expert0.W", List.of(2, 3), List.of(0.1, -0.2, 0.3, 0.4, 0.5, -0.6)),
                        new ParameterTensor("expert0.b", List.of(2), List.of(0.0, 0.01))))
                .setAlphaHat(7.5).setAlphaMin(0.01)
                .setStats(new TrainingStats(0.61, 0.002, 0.08, 40L, 10_240L))
                .setChecksum(0x1234_5678_9abcL)
                .build();
        roundTrip(EventCodec.policySnapshots(), snap, "default");
    }

    @Test
    void shouldRoundTripDeadLettersThroughTheBroker() {
        DeadLetter dl = DeadLetter.newBuilder()
                .setSourceTopic("impressions").setPartition(1).setOffset(77).setReasonCode("GARBAGE_BYTES")
                .setMessage("not Avro single-object encoding")
                .setKey(ByteBuffer.wrap("user-1".getBytes(StandardCharsets.UTF_8)))
                .setPayload(ByteBuffer.wrap(new byte[] {0x7b, 0x22, 0x00, (byte) 0xff}))
                .setRecordTimestamp(1_763_800_000_000L).setFailedAt(Instant.ofEpochMilli(1_763_800_000_500L))
                .build();
        roundTrip(EventCodec.deadLetters(), dl, "user-1");
    }

    private static <T extends SpecificRecordBase> void roundTrip(EventCodec<T> codec, T record, String key) {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        String topic = EmbeddedKafkaBroker.uniqueTopic(record.getSchema().getName().toLowerCase());
        broker.createTopic(topic, 2);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(broker.producerProperties())) {
            producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), codec.encode(record)));
            producer.flush();
        }
        List<byte[]> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(broker.consumerProperties("it-" + topic))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            while (values.isEmpty() && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(key);
                    values.add(r.value());
                }
            }
        }
        assertThat(values).hasSize(1);
        DecodeResult<T> decoded = codec.decode(values.get(0));
        assertThat(decoded.isOk()).as("decoded %s", decoded).isTrue();
        T back = decoded.value();
        for (Schema.Field f : record.getSchema().getFields()) {
            assertThat(back.get(f.pos())).as("field %s.%s", record.getSchema().getName(), f.name())
                    .isEqualTo(record.get(f.pos()));
        }
        assertThat(back).isEqualTo(record);
    }
}
