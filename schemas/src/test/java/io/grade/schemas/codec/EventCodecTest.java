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
        // The last float cut: the scores array's count promises more bytes than are left.
        assertThat(impressions.decode(Arrays.copyOf(bytes, bytes.length - 3)).failure().reason())
                .isEqualTo(DecodeFailureReason.TRUNCATED);
        byte[] fb = feedback.encode(new Feedback("f", "r", "u", "i", java.time.Instant.ofEpochMilli(5), "click", 1.0));
        assertThat(feedback.decode(Arrays.copyOf(fb, fb.length - 3)).failure().reason())
                .as("a fixed-size field cut").isEqualTo(DecodeFailureReason.TRUNCATED);
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

    // ---- bounded decoding (issue 12) -------------------------------------------------------------

    /** Zig-zag varint of {@code v}, as Avro writes longs, ints and lengths. */
    static byte[] varint(long v) {
        long z = (v << 1) ^ (v >> 63);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((z & ~0x7FL) != 0) {
            out.write((int) ((z & 0x7F) | 0x80));
            z >>>= 7;
        }
        out.write((int) z);
        return out.toByteArray();
    }

    /** Valid single-object header of the current Impression schema followed by {@code body}. */
    static byte[] impressionWithBody(byte[]... body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(EventCodec.impressions().encode(sampleImpression()), 0, 10);
        for (byte[] b : body) {
            out.write(b, 0, b.length);
        }
        return out.toByteArray();
    }

    /** The 31-byte record of the reliability campaign: header, then "eventId is 400 MB long". */
    static byte[] lengthBomb() {
        byte[] bomb = impressionWithBody(varint(400_000_000L), new byte[16]);
        assertThat(bomb).hasSize(31);
        return bomb;
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                .getCurrentThreadAllocatedBytes();
    }

    @Test
    void shouldRejectAStringLengthBombBeforeAllocatingIt() {
        byte[] bomb = lengthBomb();
        DecodeLimits limits = new DecodeLimits(1 << 20, 4096, java.util.Map.of());
        impressions.decode(bomb, limits); // warm-up: class loading and the like are not the decode's allocations
        impressions.decode(bomb);
        long before = allocatedBytes();
        DecodeResult<Impression> r = impressions.decode(bomb, limits);
        long allocated = allocatedBytes() - before;
        assertThat(r.isOk()).isFalse();
        assertThat(r.failure().reason()).isEqualTo(DecodeFailureReason.LENGTH_OUT_OF_BOUNDS);
        assertThat(r.failure().message()).contains("Impression.eventId").contains("400000000");
        assertThat(allocated).as("bytes allocated to reject a 31-byte record").isLessThan(1 << 20);
        // Without configured limits a 400 MB length is plausible, so the record reads as cut short;
        // nothing is allocated for it either.
        before = allocatedBytes();
        DecodeResult<Impression> plain = impressions.decode(bomb);
        assertThat(allocatedBytes() - before).isLessThan(1 << 20);
        assertThat(plain.failure().reason()).isEqualTo(DecodeFailureReason.TRUNCATED);
    }

    @Test
    void shouldRejectAnArrayCountBombAndALongVarint() {
        // eventId "e", requestId "r", userId "u", sessionHint null, eventTime 1, modelId "m",
        // policyVersion 0, then servedWeights says one billion doubles.
        byte[] prefix = concat(str("e"), str("r"), str("u"), varint(0), varint(1), str("m"), varint(0));
        DecodeResult<Impression> r = impressions.decode(impressionWithBody(prefix, varint(1_000_000_000L), new byte[8]));
        assertThat(r.failure().reason()).isEqualTo(DecodeFailureReason.LENGTH_OUT_OF_BOUNDS);
        assertThat(r.failure().message()).contains("Impression.servedWeights");
        // A negative block count (block with byte size) of Long.MIN_VALUE, and an 11-byte varint.
        assertThat(impressions.decode(impressionWithBody(prefix, varint(Long.MIN_VALUE), new byte[8]))
                .failure().reason()).isEqualTo(DecodeFailureReason.MALFORMED);
        byte[] tooLong = new byte[11];
        Arrays.fill(tooLong, (byte) 0xFF);
        assertThat(impressions.decode(impressionWithBody(tooLong)).failure().reason())
                .isEqualTo(DecodeFailureReason.MALFORMED);
        // A negative string length.
        assertThat(impressions.decode(impressionWithBody(varint(-5), new byte[8])).failure().reason())
                .isEqualTo(DecodeFailureReason.MALFORMED);
    }

    @Test
    void shouldEnforceTheConfiguredLimits() {
        byte[] ok = impressions.encode(sampleImpression());
        DecodeLimits limits = new DecodeLimits(ok.length, 7, java.util.Map.of("Impression.items", 2, "Item.scores", 4));
        assertThat(impressions.decode(ok, limits).value()).isEqualTo(sampleImpression());

        DecodeResult<Impression> big = impressions.decode(ok, new DecodeLimits(ok.length - 1, 3, java.util.Map.of()));
        assertThat(big.failure().reason()).isEqualTo(DecodeFailureReason.RECORD_TOO_LARGE);

        byte[] longId = impressions.encode(Impression.newBuilder(sampleImpression()).setUserId("user-1234").build());
        DecodeResult<Impression> s = impressions.decode(longId, new DecodeLimits(1000, 8, java.util.Map.of()));
        assertThat(s.failure().reason()).isEqualTo(DecodeFailureReason.LENGTH_OUT_OF_BOUNDS);
        assertThat(s.failure().message()).contains("Impression.userId").contains("max-string-bytes 8");
        assertThat(s.failure().limitedField()).isNull();

        DecodeResult<Impression> items = impressions.decode(ok, new DecodeLimits(1000, 100, java.util.Map.of("Impression.items", 1)));
        assertThat(items.failure().reason()).isEqualTo(DecodeFailureReason.LENGTH_OUT_OF_BOUNDS);
        assertThat(items.failure().limitedField()).isEqualTo("Impression.items");
        DecodeResult<Impression> scores = impressions.decode(ok, new DecodeLimits(1000, 100, java.util.Map.of("Item.scores", 3)));
        assertThat(scores.failure().limitedField()).isEqualTo("Item.scores");
    }

    @Test
    void shouldNeverThrowNorAllocateMuchOnMutatedRecords() {
        Random random = new Random(12);
        byte[] ok = impressions.encode(sampleImpression());
        DecodeLimits limits = new DecodeLimits(4096, 256, java.util.Map.of("Impression.items", 10));
        long worst = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] m = Arrays.copyOf(ok, 11 + random.nextInt(ok.length + 8 - 11));
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                int at = 10 + random.nextInt(m.length - 10);
                m[at] = random.nextInt(3) == 0 ? (byte) 0xFF : (byte) random.nextInt(256);
            }
            long before = allocatedBytes();
            DecodeResult<Impression> r = impressions.decode(m, limits);
            worst = Math.max(worst, allocatedBytes() - before);
            assertThat(r).isNotNull();
        }
        assertThat(worst).as("most bytes one mutated record allocated").isLessThan(1 << 20);
    }

    @Test
    void shouldRejectDeepNestingOfARecursiveWriterSchemaWithoutOverflowingTheStack() {
        Schema node = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Node\",\"fields\":["
                + "{\"name\":\"v\",\"type\":\"int\"},{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}");
        @SuppressWarnings({"rawtypes", "unchecked"})
        EventCodec codec = EventCodec.withWriterSchemas(node, List.of());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xC3);
        out.write(0x01);
        byte[] fp = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(SchemaNormalization.parsingFingerprint64(node)).array();
        out.write(fp, 0, 8);
        for (int i = 0; i < 500_000; i++) {
            out.write(0); // v = 0
            out.write(2); // next: branch 1 (Node)
        }
        out.write(0);
        out.write(0);
        DecodeResult<?> r = codec.decode(out.toByteArray());
        assertThat(r.failure().reason()).isEqualTo(DecodeFailureReason.MALFORMED);
        assertThat(r.failure().message()).contains("nested deeper than 64");
        byte[] shallow = Arrays.copyOfRange(out.toByteArray(), 0, 10 + 2 * 10 + 2);
        shallow[shallow.length - 2] = 0;
        shallow[shallow.length - 1] = 0;
        assertThat(AvroBodyScanner.scan(shallow, 10, node, DecodeLimits.STRUCTURAL)).as("10 levels pass the scan").isNull();
    }

    private static byte[] str(String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return concat(varint(b.length), b);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.write(p, 0, p.length);
        }
        return out.toByteArray();
    }
}
