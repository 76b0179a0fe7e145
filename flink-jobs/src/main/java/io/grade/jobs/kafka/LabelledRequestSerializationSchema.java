package io.grade.jobs.kafka;

import io.grade.jobs.session.LabelledRequest;
import io.grade.jobs.session.LabelledRequestCodec;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes labelled requests with {@link LabelledRequestCodec}, keyed by user, timestamped at window close. */
public final class LabelledRequestSerializationSchema implements KafkaRecordSerializationSchema<LabelledRequest> {

    private static final long serialVersionUID = 1L;

    private final String topic;

    public LabelledRequestSerializationSchema(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(LabelledRequest r, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, null, r.closeTime, r.userId.getBytes(StandardCharsets.UTF_8),
                LabelledRequestCodec.encode(r));
    }
}
