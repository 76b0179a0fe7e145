package io.grade.jobs.kafka;

import io.grade.jobs.session.LabelledRequest;
import io.grade.jobs.session.LabelledRequestCodec;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes labelled requests with {@link LabelledRequestCodec}, keyed by user. The record's Kafka
 * timestamp is left to the producer (its clock): the request's event time (close time) is in the
 * record itself. Event time may run ahead of the broker's clock (a replay at speed, the event
 * generator's simulated clock), and Kafka rejects a record stamped more than
 * {@code message.timestamp.after.max.ms} (1 h by default) in the future; on the exactly-once sink
 * that failure fails the task while it closes its writer, which takes the whole TaskManager down.
 */
public final class LabelledRequestSerializationSchema implements KafkaRecordSerializationSchema<LabelledRequest> {

    private static final long serialVersionUID = 1L;

    private final String topic;

    public LabelledRequestSerializationSchema(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(LabelledRequest r, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, null, null, r.userId.getBytes(StandardCharsets.UTF_8),
                LabelledRequestCodec.encode(r));
    }
}
