package io.grade.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.grade.jobs.Fixtures;
import io.grade.jobs.events.DeadLetterReason;
import io.grade.jobs.events.DeadLetterRecord;
import io.grade.schemas.DeadLetter;
import io.grade.schemas.codec.EventCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class DeadLetterSerializationSchemaTest {

    private static final EventCodec<DeadLetter> CODEC = EventCodec.deadLetters();
    private final DeadLetterSerializationSchema schema = new DeadLetterSerializationSchema(Fixtures.testConfig());
    private final Random random = new Random(3);

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static DeadLetterRecord letter(byte[] key, byte[] payload, String message) {
        return DeadLetterRecord.of("grade.impressions", 3, 77L, DeadLetterReason.GARBAGE_BYTES, message, key, payload,
                5L, 6L);
    }

    private static byte[] array(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void shouldKeepASmallDeadLetterWholeWithTheKeyOnlyAsKafkaKey() {
        byte[] key = "user-1".getBytes(StandardCharsets.UTF_8);
        byte[] payload = bytes(300);
        ProducerRecord<byte[], byte[]> rec = schema.serialize(letter(key, payload, "bad"), null, null);
        assertThat(rec.topic()).isEqualTo(Fixtures.testConfig().deadLetterTopic());
        assertThat(rec.key()).isEqualTo(key);
        DeadLetter d = CODEC.decode(rec.value()).value();
        assertThat(d.getKey()).as("not stored twice").isNull();
        assertThat(array(d.getPayload())).isEqualTo(payload);
        assertThat(d.getTruncated()).isFalse();
        assertThat(d.getKeyHashed()).isFalse();
        assertThat(d.getOriginalKeyBytes()).isEqualTo(6);
        assertThat(d.getOriginalPayloadBytes()).isEqualTo(300);
        assertThat(array(d.getRecordSha256())).isEqualTo(DeadLetterSerializationSchema.recordSha256(key, payload));
        assertThat(d.getPartition()).isEqualTo(3);
        assertThat(d.getOffset()).isEqualTo(77L);
    }

    @Test
    void shouldBoundAnyDeadLetterToTheConfiguredSize() {
        int max = Fixtures.testConfig().maxDeadLetterBytes();
        byte[] mb = bytes(1_048_576);
        ProducerRecord<byte[], byte[]> rec = schema.serialize(letter("u".getBytes(StandardCharsets.UTF_8), mb, "x"), null, null);
        assertThat(rec.key().length + rec.value().length).isLessThanOrEqualTo(max).isGreaterThan(max - 100);
        DeadLetter d = CODEC.decode(rec.value()).value();
        assertThat(d.getTruncated()).isTrue();
        assertThat(mb).startsWith(array(d.getPayload()));
        assertThat(d.getOriginalPayloadBytes()).isEqualTo(mb.length);

        // 500 kB key + 500 kB value: the Kafka key becomes the key's hash, the key goes (cut) into the body.
        byte[] key = bytes(500_000);
        byte[] value = bytes(500_000);
        ProducerRecord<byte[], byte[]> both = schema.serialize(letter(key, value, "y"), null, null);
        assertThat(both.key()).isEqualTo(DeadLetterSerializationSchema.sha256(key)).hasSize(32);
        assertThat(both.key().length + both.value().length).isLessThanOrEqualTo(max);
        DeadLetter b = CODEC.decode(both.value()).value();
        assertThat(b.getKeyHashed()).isTrue();
        assertThat(b.getTruncated()).isTrue();
        assertThat(array(b.getPayload())).isEqualTo(value);
        assertThat(key).startsWith(array(b.getKey()));
        assertThat(b.getOriginalKeyBytes()).isEqualTo(500_000);
        assertThat(array(b.getRecordSha256())).isEqualTo(DeadLetterSerializationSchema.recordSha256(key, value));
    }

    @Test
    void shouldWriteDeadLettersWithoutTopicKeyPayloadOrWithAHugeMessage() {
        DeadLetterRecord d = DeadLetterRecord.of(null, 0, 0L, DeadLetterReason.MALFORMED, "m".repeat(5_000_000), null, null,
                -1L, 0L);
        ProducerRecord<byte[], byte[]> rec = schema.serialize(d, null, null);
        assertThat(rec.key()).isNull();
        DeadLetter out = CODEC.decode(rec.value()).value();
        assertThat(out.getSourceTopic()).isEmpty();
        assertThat(out.getMessage()).hasSize(DeadLetterRecord.MAX_MESSAGE_CHARS).endsWith("(5000000 chars)");
        assertThat(out.getPayload()).isNull();
        assertThat(out.getOriginalKeyBytes()).isEqualTo(-1);
        assertThat(array(out.getRecordSha256())).isEqualTo(DeadLetterSerializationSchema.recordSha256(null, null));
        // A POJO whose message was set directly (not through of()) is bounded at the sink as well.
        DeadLetterRecord direct = letter(null, new byte[] {1}, "");
        direct.message = "z".repeat(2_000_000);
        assertThat(CODEC.decode(schema.serialize(direct, null, null).value()).value().getMessage())
                .hasSize(DeadLetterRecord.MAX_MESSAGE_CHARS);
    }

    @Test
    void shouldHashKeyAndValueWithTheirLengthsSoTheSplitIsUnambiguous() {
        byte[] ab = {'a', 'b'};
        byte[] a = {'a'};
        byte[] b = {'b'};
        assertThat(DeadLetterSerializationSchema.recordSha256(a, b))
                .isNotEqualTo(DeadLetterSerializationSchema.recordSha256(ab, new byte[0]))
                .isNotEqualTo(DeadLetterSerializationSchema.recordSha256(null, ab));
        assertThat(DeadLetterSerializationSchema.recordSha256(null, new byte[0]))
                .isNotEqualTo(DeadLetterSerializationSchema.recordSha256(new byte[0], null));
    }
}
