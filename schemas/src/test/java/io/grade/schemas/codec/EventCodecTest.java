package io.grade.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.Item;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

class EventCodecTest {

    private final EventCodec<Impression> impressions = EventCodec.impressions();
    private final EventCodec<Feedback> feedback = EventCodec.feedback();

    static Impression sampleImpression() {
        return Impression.newBuilder()
                .setEventId("e-1").setRequestId("r-1").setUserId("u-1").setSessionHint("s-9")
                .setEventTime(java.time.Instant.ofEpochMilli(1_700_000_000_123L))
                .setPolicyVersion(7).setServedWeights(List.of(0.4, 0.3, 0.2, 0.1))
                .setFeatures(List.of(0.5f, -1.25f))
                .setItems(List.of(
                        new Item("i-1", 0, List.of(0.1f, 0.02f, 3.5f, 40f)),
                        new Item("i-2", -1, List.of(0.2f, 0.01f, 1.5f, 20f))))
                .build();
    }

    @Test
    void shouldRoundTripWithSingleObjectEncoding() {
        Impression original = sampleImpression();
        byte[] bytes = impressions.encode(original);
        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        long fp = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(fp).isEqualTo(SchemaNormalization.parsingFingerprint64(Impression.getClassSchema()));
        DecodeResult<Impression> decoded = impressions.decode(bytes);
        assertThat(decoded.isOk()).isTrue();
        assertThat(decoded.value()).isEqualTo(original);
    }

    @Test
    void shouldReportGarbageBytesWithoutThrowing() {
        byte[] garbage = new byte[64];
        new Random(42).nextBytes(garbage);
        garbage[0] = 0x7b; // '{' : someone produced JSON
        assertThat(impressions.decode(garbage).failure().reason()).isEqualTo(DecodeFailureReason.GARBAGE_BYTES);
        assertThat(impressions.decode(new byte[0]).failure().reason()).isEqualTo(DecodeFailureReason.EMPTY_PAYLOAD);
        assertThat(impressions.decode(null).failure().reason()).isEqualTo(DecodeFailureReason.EMPTY_PAYLOAD);
    }

    @Test
    void shouldReportTruncatedRecordsWithoutThrowing() {
        byte[] bytes = impressions.encode(sampleImpression());
        assertThat(impressions.decode(Arrays.copyOf(bytes, 6)).failure().reason())
                .isEqualTo(DecodeFailureReason.TRUNCATED);
        for (int cut = 11; cut < bytes.length; cut += 7) {
            DecodeResult<Impression> r = impressions.decode(Arrays.copyOf(bytes, cut));
            assertThat(r.isOk()).as("cut at %d", cut).isFalse();
            assertThat(r.failure().reason()).as("cut at %d", cut)
                    .isIn(DecodeFailureReason.TRUNCATED, DecodeFailureReason.MALFORMED);
        }
        assertThat(impressions.decode(Arrays.copyOf(bytes, bytes.length - 3)).failure().reason())
                .isEqualTo(DecodeFailureReason.TRUNCATED);
    }

    @Test
    void shouldReportAnUnknownFingerprintWithoutThrowing() {
        byte[] bytes = feedback.encode(new Feedback("e", "r", "u", "i", java.time.Instant.EPOCH, "click", 1.0));
        bytes[5] ^= 0x55;
        DecodeResult<Feedback> r = feedback.decode(bytes);
        assertThat(r.failure().reason()).isEqualTo(DecodeFailureReason.UNKNOWN_SCHEMA);
        assertThat(r.failure().message()).contains("fingerprint");
        // An impression is not a feedback: also an unknown schema for this topic.
        assertThat(feedback.decode(impressions.encode(sampleImpression())).failure().reason())
                .isEqualTo(DecodeFailureReason.UNKNOWN_SCHEMA);
    }

    @Test
    void shouldReportAMalformedBodyWithoutThrowing() {
        byte[] bytes = impressions.encode(sampleImpression());
        // Header intact, body replaced by a huge negative array length and nonsense.
        byte[] bad = Arrays.copyOf(bytes, 40);
        Arrays.fill(bad, 10, 40, (byte) 0xFF);
        DecodeResult<Impression> r = impressions.decode(bad);
        assertThat(r.isOk()).isFalse();
        assertThat(r.failure().reason()).isIn(DecodeFailureReason.MALFORMED, DecodeFailureReason.TRUNCATED);
    }

    @Test
    void shouldDecodeAnOlderCompatibleWriterFillingDefaults() throws IOException {
        Schema older = SchemaEvolutionGuardTest.fixture("Feedback.older-writer.avsc");
        EventCodec<Feedback> codec = EventCodec.withWriterSchemas(Feedback.getClassSchema(), List.of(older));
        GenericRecord rec = new GenericData.Record(older);
        rec.put("eventId", "e-old");
        rec.put("requestId", "r");
        rec.put("userId", "u");
        rec.put("itemId", "i");
        rec.put("eventTime", 1234L);
        rec.put("type", "order");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0xC3, 0x01});
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(SchemaNormalization.parsingFingerprint64(older)).array());
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(older).write(rec, enc);
        enc.flush();

        Feedback decoded = codec.decode(out.toByteArray()).value();
        assertThat(decoded.getEventId()).isEqualTo("e-old");
        assertThat(decoded.getType()).isEqualTo("order");
        assertThat(decoded.getValue()).isEqualTo(1.0);
        // The default codec does not know that writer.
        assertThat(feedback.decode(out.toByteArray()).failure().reason()).isEqualTo(DecodeFailureReason.UNKNOWN_SCHEMA);
    }
}
