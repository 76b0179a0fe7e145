package io.grade.jobs.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.jobs.Fixtures;
import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.codec.EventCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class EventDeserializationSchemaTest {

    private static final String IMPRESSIONS = Fixtures.testConfig().impressionsTopic();
    private static final String FEEDBACK = Fixtures.testConfig().feedbackTopic();

    private final EventDeserializationSchema schema = new EventDeserializationSchema(Fixtures.testConfig());

    private static ConsumerRecord<byte[], byte[]> record(String topic, byte[] value) {
        return new ConsumerRecord<>(topic, 1, 42L, "u1".getBytes(StandardCharsets.UTF_8), value);
    }

    private InputRecord deserialize(String topic, byte[] value) throws Exception {
        List<InputRecord> out = new ArrayList<>();
        schema.deserialize(record(topic, value), new Collector<>() {
            @Override
            public void collect(InputRecord r) {
                out.add(r);
            }

            @Override
            public void close() {}
        });
        assertThat(out).hasSize(1);
        return out.get(0);
    }

    private static DeadLetterReason reasonOf(InputRecord r) {
        assertThat(r.deadLetter).as("dead letter").isNotNull();
        assertThat(r.impression).isNull();
        assertThat(r.feedback).isNull();
        return r.deadLetter.reason;
    }

    @Test
    void shouldDecodeValidEventsWithTheirSourceCoordinates() throws Exception {
        byte[] imp = EventCodec.impressions().encode(Fixtures.avroImpression("u1", "r1", 1_000, 3).build());
        InputRecord r = deserialize(IMPRESSIONS, imp);
        assertThat(r.impression.requestId).isEqualTo("r1");
        assertThat(r.eventTime()).isEqualTo(1_000);

        byte[] fb = EventCodec.feedback().encode(Fixtures.avroFeedback("f1", "u1", "r1", "i0", 2_000, "order", 1).build());
        InputRecord f = deserialize(FEEDBACK, fb);
        assertThat(f.feedback.task).isEqualTo(Fixtures.CVR);
        assertThat(f.feedback.sourcePartition).isEqualTo(1);
        assertThat(f.feedback.sourceOffset).isEqualTo(42L);
    }

    @Test
    void shouldTurnGarbageIntoDeadLettersWithRawBytesAndCoordinates() throws Exception {
        byte[] garbage = "not avro at all".getBytes(StandardCharsets.UTF_8);
        InputRecord r = deserialize(IMPRESSIONS, garbage);
        assertThat(reasonOf(r)).isEqualTo(DeadLetterReason.GARBAGE_BYTES);
        assertThat(r.deadLetter.payload).isEqualTo(garbage);
        assertThat(r.deadLetter.key).isEqualTo("u1".getBytes(StandardCharsets.UTF_8));
        assertThat(r.deadLetter.sourceTopic).isEqualTo(IMPRESSIONS);
        assertThat(r.deadLetter.partition).isEqualTo(1);
        assertThat(r.deadLetter.offset).isEqualTo(42L);
        assertThat(r.eventTime()).as("never moves the watermark").isEqualTo(Long.MIN_VALUE);

        assertThat(reasonOf(deserialize(FEEDBACK, new byte[0]))).isEqualTo(DeadLetterReason.EMPTY_PAYLOAD);
        assertThat(reasonOf(deserialize(FEEDBACK, null))).isEqualTo(DeadLetterReason.EMPTY_PAYLOAD);
        byte[] fb = EventCodec.feedback().encode(Fixtures.avroFeedback("f1", "u1", "r1", "i0", 2_000, "order", 1).build());
        assertThat(reasonOf(deserialize(FEEDBACK, Arrays.copyOf(fb, fb.length - 3)))).isEqualTo(DeadLetterReason.TRUNCATED);
    }

    @Test
    void shouldRejectRecordsOfAnUnknownSchema() throws Exception {
        Schema other = SchemaBuilder.record("Other").namespace("x").fields().requiredString("a").endRecord();
        GenericRecord rec = new GenericData.Record(other);
        rec.put("a", "b");
        byte[] bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), other).encode(rec).array();
        assertThat(reasonOf(deserialize(IMPRESSIONS, bytes))).isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA);
        // An impression on the feedback topic is an unknown schema there.
        byte[] imp = EventCodec.impressions().encode(Fixtures.avroImpression("u1", "r1", 1_000, 3).build());
        assertThat(reasonOf(deserialize(FEEDBACK, imp))).isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA);
    }

    @Test
    void shouldRouteValidationFailuresToDeadLetters() throws Exception {
        Impression bad = Fixtures.avroImpression("u1", "r1", 1_000, 3).setFeatures(List.of(1f)).build();
        assertThat(reasonOf(deserialize(IMPRESSIONS, EventCodec.impressions().encode(bad))))
                .isEqualTo(DeadLetterReason.FEATURE_DIM_MISMATCH);
        Feedback badFb = Fixtures.avroFeedback("f1", "u1", "r1", "i0", 2_000, "share", 1).build();
        assertThat(reasonOf(deserialize(FEEDBACK, EventCodec.feedback().encode(badFb))))
                .isEqualTo(DeadLetterReason.UNKNOWN_FEEDBACK_TYPE);
    }

    @Test
    void shouldRejectRecordsOfAnotherTopic() throws Exception {
        byte[] imp = EventCodec.impressions().encode(Fixtures.avroImpression("u1", "r1", 1_000, 3).build());
        assertThat(reasonOf(deserialize("elsewhere", imp))).isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA);
    }

    @Test
    void shouldProduceAFlinkPojoType() {
        TypeInformation<InputRecord> type = schema.getProducedType();
        assertThat(type).isInstanceOf(PojoTypeInfo.class);
    }
}
