package io.grade.jobs.kafka;

import io.grade.jobs.events.DeadLetterRecord;
import io.grade.schemas.DeadLetter;
import io.grade.schemas.codec.EventCodec;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes dead letters as Avro single-object encoded {@link DeadLetter}s, keyed by the original key. */
public final class DeadLetterSerializationSchema implements KafkaRecordSerializationSchema<DeadLetterRecord> {

    private static final long serialVersionUID = 1L;

    private final String topic;
    private transient EventCodec<DeadLetter> codec;

    public DeadLetterSerializationSchema(String topic) {
        this.topic = topic;
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
        codec = EventCodec.deadLetters();
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetterRecord d, KafkaSinkContext context, Long timestamp) {
        if (codec == null) {
            codec = EventCodec.deadLetters();
        }
        return new ProducerRecord<>(topic, null, null, d.key, codec.encode(toAvro(d)));
    }

    /** The Avro form of a dead letter. */
    public static DeadLetter toAvro(DeadLetterRecord d) {
        return DeadLetter.newBuilder()
                .setSourceTopic(d.sourceTopic)
                .setPartition(d.partition)
                .setOffset(d.offset)
                .setReasonCode(d.reason.name())
                .setMessage(d.message == null ? "" : d.message)
                .setKey(d.key == null ? null : ByteBuffer.wrap(d.key))
                .setPayload(d.payload == null ? null : ByteBuffer.wrap(d.payload))
                .setRecordTimestamp(d.recordTimestamp)
                .setFailedAt(Instant.ofEpochMilli(d.failedAt))
                .build();
    }
}
