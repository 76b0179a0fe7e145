package io.grade.jobs.publish;

import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes a policy version keyed by model id (so compaction keeps the newest per model). */
public final class PolicyRecordSerializer implements KafkaRecordSerializationSchema<PublishedPolicy> {

    private static final long serialVersionUID = 1L;

    private final String topic;

    public PolicyRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(PublishedPolicy p, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, null, p.createdAtMillis, p.modelId.getBytes(StandardCharsets.UTF_8), p.payload);
    }
}
