package io.grade.jobs.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.jobs.Fixtures;
import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.codec.EventCodec;
import io.grade.jobs.config.GradeConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
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

    // ---- bounded decoding and the event-time guard (issue 12) ----------------------------------------

    private static EventDeserializationSchema schemaWith(Map<String, String> overrides) {
        Map<String, String> o = new HashMap<>(Fixtures.testOptions());
        o.putAll(overrides);
        return new EventDeserializationSchema(GradeConfig.fromMap(o));
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                .getCurrentThreadAllocatedBytes();
    }

    /** The campaign's 31-byte record: a valid Impression header, then an eventId "400 MB long". */
    static byte[] lengthBomb() {
        byte[] header = Arrays.copyOf(EventCodec.impressions().encode(Fixtures.avroImpression("u", "r", 1, 1).build()), 10);
        long zigzag = 800_000_000L; // 400,000,000 as Avro writes a length
        byte[] out = Arrays.copyOf(header, 31);
        int i = 10;
        while ((zigzag & ~0x7FL) != 0) {
            out[i++] = (byte) ((zigzag & 0x7F) | 0x80);
            zigzag >>>= 7;
        }
        out[i] = (byte) zigzag;
        return out;
    }

    @Test
    void shouldDeadLetterTheLengthBombWithoutAllocatingIt() throws Exception {
        byte[] bomb = lengthBomb();
        deserialize(IMPRESSIONS, bomb);
        long before = allocatedBytes();
        InputRecord r = deserialize(IMPRESSIONS, bomb);
        long allocated = allocatedBytes() - before;
        assertThat(reasonOf(r)).isEqualTo(DeadLetterReason.LENGTH_OUT_OF_BOUNDS);
        assertThat(r.deadLetter.payload).isEqualTo(bomb);
        assertThat(r.deadLetter.message).contains("eventId");
        assertThat(allocated).as("bytes allocated for a 31-byte record").isLessThan(1 << 20);
    }

    @Test
    void shouldGiveThePreciseReasonForACountAboveItsDimensionAndBoundRecordAndStringSizes() throws Exception {
        // 11 items > max-items 10: the scan stops at the count, the reason stays TOO_MANY_ITEMS.
        byte[] eleven = EventCodec.impressions().encode(Fixtures.avroImpression("u1", "r1", 1_000, 11).build());
        assertThat(reasonOf(deserialize(IMPRESSIONS, eleven))).isEqualTo(DeadLetterReason.TOO_MANY_ITEMS);
        Impression fiveScores = Fixtures.avroImpression("u1", "r1", 1_000, 2).build();
        fiveScores.getItems().get(1).setScores(List.of(1f, 1f, 1f, 1f, 1f));
        assertThat(reasonOf(deserialize(IMPRESSIONS, EventCodec.impressions().encode(fiveScores))))
                .isEqualTo(DeadLetterReason.TASK_COUNT_MISMATCH);

        EventDeserializationSchema small = schemaWith(Map.of("max-record-bytes", "1024", "max-string-bytes", "16"));
        byte[] big = EventCodec.impressions().encode(Fixtures.avroImpression("u1", "r1", 1_000, 10)
                .setEventId("e".repeat(1100)).build());
        assertThat(small.toInput(record(IMPRESSIONS, big)).deadLetter.reason).isEqualTo(DeadLetterReason.RECORD_TOO_LARGE);
        byte[] longUser = EventCodec.impressions().encode(
                Fixtures.avroImpression("a-user-id-of-twenty-bytes", "r1", 1_000, 1).build());
        DeadLetterRecord d = small.toInput(record(IMPRESSIONS, longUser)).deadLetter;
        assertThat(d.reason).isEqualTo(DeadLetterReason.LENGTH_OUT_OF_BOUNDS);
        assertThat(d.message).contains("userId").contains("max-string-bytes 16");
        // The key counts towards the record size.
        ConsumerRecord<byte[], byte[]> bigKey = new ConsumerRecord<>(IMPRESSIONS, 0, 0L, new byte[1000],
                EventCodec.impressions().encode(Fixtures.avroImpression("u1", "r1", 1_000, 1).build()));
        assertThat(small.toInput(bigKey).deadLetter.reason).isEqualTo(DeadLetterReason.RECORD_TOO_LARGE);
    }

    @Test
    void shouldDeadLetterEventsTooFarAheadOfTheWallClockWithoutAnEventTime() {
        long now = 1_800_000_000_000L;
        long ahead = Duration.ofMinutes(5).toMillis();
        byte[] far = EventCodec.impressions().encode(Fixtures.avroImpression("u1", "r1",
                Instant.parse("9999-12-31T00:00:00Z").toEpochMilli(), 3).build());
        InputRecord r = schema.toInput(record(IMPRESSIONS, far), now);
        assertThat(reasonOf(r)).isEqualTo(DeadLetterReason.EVENT_TIME_OUT_OF_RANGE);
        assertThat(r.eventTime()).as("never moves the watermark").isEqualTo(Long.MIN_VALUE);
        byte[] edge = EventCodec.feedback().encode(Fixtures.avroFeedback("f", "u1", "r1", "i0", now + ahead, "click", 1).build());
        assertThat(schema.toInput(record(FEEDBACK, edge), now).feedback).as("exactly at the bound").isNotNull();
        byte[] over = EventCodec.feedback().encode(Fixtures.avroFeedback("f", "u1", "r1", "i0", now + ahead + 1, "click", 1).build());
        assertThat(reasonOf(schema.toInput(record(FEEDBACK, over), now))).isEqualTo(DeadLetterReason.EVENT_TIME_OUT_OF_RANGE);
        // Old events (replays, backfills) pass: no behind bound by default.
        byte[] old = EventCodec.impressions().encode(Fixtures.avroImpression("u1", "r1", 1_000, 3).build());
        assertThat(schema.toInput(record(IMPRESSIONS, old), now).impression).isNotNull();

        EventDeserializationSchema behind = schemaWith(Map.of("max-event-time-behind", "1 h"));
        assertThat(reasonOf(behind.toInput(record(IMPRESSIONS, old), now))).isEqualTo(DeadLetterReason.EVENT_TIME_OUT_OF_RANGE);
        byte[] recent = EventCodec.impressions().encode(Fixtures.avroImpression("u1", "r1", now - 3_000_000, 3).build());
        assertThat(behind.toInput(record(IMPRESSIONS, recent), now).impression).isNotNull();
    }

    @Test
    void shouldFollowTheHighestAcceptedEventTimeInMaxAcceptedMode() {
        long now = 1_800_000_000_000L;
        long minute = 60_000;
        EventDeserializationSchema sim = schemaWith(Map.of("event-time-reference", "MAX_ACCEPTED"));
        // A simulation whose clock runs at 30x: each event 4 simulated minutes after the previous one.
        for (int i = 0; i < 50; i++) {
            byte[] imp = EventCodec.impressions().encode(Fixtures.avroImpression("u1", "r" + i, now + i * 4 * minute, 3).build());
            assertThat(sim.toInput(record(IMPRESSIONS, imp), now + i * 8_000).impression).as("event %d", i).isNotNull();
        }
        byte[] far = EventCodec.impressions().encode(Fixtures.avroImpression("u1", "x", now + 49 * 4 * minute + 6 * minute, 3).build());
        assertThat(reasonOf(sim.toInput(record(IMPRESSIONS, far), now + 50 * 8_000))).isEqualTo(DeadLetterReason.EVENT_TIME_OUT_OF_RANGE);
        // The wall clock alone would have rejected the simulation after its second event.
        byte[] second = EventCodec.impressions().encode(Fixtures.avroImpression("u1", "r1", now + 8 * minute, 3).build());
        assertThat(reasonOf(schema.toInput(record(IMPRESSIONS, second), now + 8_000))).isEqualTo(DeadLetterReason.EVENT_TIME_OUT_OF_RANGE);
    }
}
