package io.grade.jobs.kafka;

import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.events.DeadLetterRecord;
import io.grade.schemas.DeadLetter;
import io.grade.schemas.codec.EventCodec;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes dead letters as Avro single-object encoded {@link DeadLetter}s of bounded size: the Kafka
 * key plus the value never exceed max-dead-letter-bytes, whatever the rejected record was.
 * <ul>
 *   <li>Kafka key: the original key when it has at most max-dead-letter-key-bytes, so dead letters of
 *       one user stay in one partition; else the key's SHA-256 ({@code keyHashed}), the key itself
 *       going into the body. The key is never stored twice.</li>
 *   <li>Body: the payload, then (if hashed) the key, each cut to what room is left
 *       ({@code truncated}); always the original sizes and {@code recordSha256}, a SHA-256 of the
 *       whole original record (see {@link #recordSha256}).</li>
 * </ul>
 */
public final class DeadLetterSerializationSchema implements KafkaRecordSerializationSchema<DeadLetterRecord> {

    private static final long serialVersionUID = 1L;
    /** Bytes a bytes field may take beyond its data: the longest varint of its length. */
    private static final int LENGTH_PREFIX_BYTES = 5;

    private final String topic;
    private final int maxBytes;
    private final int maxKeyBytes;
    private transient EventCodec<DeadLetter> codec;

    /** Serialization of the configured dead-letter topic, with its size bounds. */
    public DeadLetterSerializationSchema(GradeConfig config) {
        this(config.deadLetterTopic(), config.maxDeadLetterBytes(), config.maxDeadLetterKeyBytes());
    }

    public DeadLetterSerializationSchema(String topic, int maxBytes, int maxKeyBytes) {
        this.topic = topic;
        this.maxBytes = maxBytes;
        this.maxKeyBytes = maxKeyBytes;
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
        codec = EventCodec.deadLetters();
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetterRecord d, KafkaSinkContext context, Long timestamp) {
        Bounded b = bound(d);
        return new ProducerRecord<>(topic, null, null, b.kafkaKey(), b.value());
    }

    /** The Kafka key and value of a dead letter; {@code key.length + value.length <= maxBytes}. */
    public record Bounded(byte[] kafkaKey, byte[] value) {}

    /** The bounded Kafka key and Avro value of a dead letter. */
    public Bounded bound(DeadLetterRecord d) {
        if (codec == null) {
            codec = EventCodec.deadLetters();
        }
        byte[] key = d.key;
        byte[] payload = d.payload;
        boolean keyHashed = key != null && key.length > maxKeyBytes;
        byte[] kafkaKey = keyHashed ? sha256(key) : key;
        DeadLetter avro = toAvro(d);
        avro.setKey(null);
        avro.setPayload(null);
        avro.setKeyHashed(keyHashed);
        // Everything but the payload and the body's key is bounded (message, topic name, fixed fields):
        // measure it, then give the payload, and after it a hashed key, the room left.
        int room = maxBytes - (kafkaKey == null ? 0 : kafkaKey.length) - codec.encode(avro).length
                - 2 * LENGTH_PREFIX_BYTES;
        if (room < 0) {
            throw new IllegalStateException("max-dead-letter-bytes " + maxBytes + " leaves no room for dead letter "
                    + d + " (its fixed fields alone take " + (maxBytes - room) + " bytes)");
        }
        boolean truncated = false;
        if (payload != null) {
            int n = Math.min(payload.length, room);
            truncated = n < payload.length;
            avro.setPayload(ByteBuffer.wrap(payload, 0, n).slice());
            room -= n;
        }
        if (keyHashed) {
            int n = Math.min(key.length, room);
            truncated |= n < key.length;
            avro.setKey(ByteBuffer.wrap(key, 0, n).slice());
        }
        avro.setTruncated(truncated);
        return new Bounded(kafkaKey, codec.encode(avro));
    }

    /**
     * The Avro form of a dead letter, unbounded: key and payload whole (v1 layout, the key also in
     * the body), original sizes and the record hash set, not truncated.
     */
    public static DeadLetter toAvro(DeadLetterRecord d) {
        return DeadLetter.newBuilder()
                .setSourceTopic(d.sourceTopic == null ? "" : d.sourceTopic)
                .setPartition(d.partition)
                .setOffset(d.offset)
                .setReasonCode(d.reason == null ? "UNKNOWN" : d.reason.name())
                .setMessage(DeadLetterRecord.boundedMessage(d.message))
                .setKey(d.key == null ? null : ByteBuffer.wrap(d.key))
                .setPayload(d.payload == null ? null : ByteBuffer.wrap(d.payload))
                .setRecordTimestamp(d.recordTimestamp)
                .setFailedAt(Instant.ofEpochMilli(d.failedAt))
                .setOriginalKeyBytes(d.key == null ? -1 : d.key.length)
                .setOriginalPayloadBytes(d.payload == null ? -1 : d.payload.length)
                .setTruncated(false)
                .setKeyHashed(false)
                .setRecordSha256(ByteBuffer.wrap(recordSha256(d.key, d.payload)))
                .build();
    }

    /**
     * SHA-256 of an original record: 4-byte big-endian key length (-1 for a null key), the key
     * bytes, 4-byte big-endian value length (-1 for a null value), the value bytes. The lengths make
     * the split between key and value unambiguous.
     */
    public static byte[] recordSha256(byte[] key, byte[] value) {
        MessageDigest md = digest();
        md.update(ByteBuffer.allocate(4).putInt(key == null ? -1 : key.length).array());
        if (key != null) {
            md.update(key);
        }
        md.update(ByteBuffer.allocate(4).putInt(value == null ? -1 : value.length).array());
        if (value != null) {
            md.update(value);
        }
        return md.digest();
    }

    /** SHA-256 of the bytes alone: the Kafka key of a dead letter whose original key is too large. */
    public static byte[] sha256(byte[] bytes) {
        return digest().digest(bytes);
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
