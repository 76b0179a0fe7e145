package io.grade.jobs.events;

import io.grade.jobs.config.GradeConfig;
import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes the records of the impressions and feedback topics (told apart by topic name) with
 * {@link EventCodec} and validates them with {@link EventValidator}. Never throws on bad bytes:
 * every record becomes an {@link InputRecord} holding either the event or a dead letter with its
 * reason, raw bytes and source coordinates.
 */
public final class EventDeserializationSchema implements KafkaRecordDeserializationSchema<InputRecord> {

    private static final long serialVersionUID = 1L;

    private final GradeConfig config;
    private transient EventCodec<Impression> impressions;
    private transient EventCodec<Feedback> feedback;
    private transient EventValidator validator;

    public EventDeserializationSchema(GradeConfig config) {
        this.config = config;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        init();
    }

    private void init() {
        // EventCodec is not serializable: it is built where it runs.
        impressions = EventCodec.impressions();
        feedback = EventCodec.feedback();
        validator = new EventValidator(config);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<InputRecord> out) {
        out.collect(toInput(record));
    }

    /** The envelope of one record; public for the unit tests and the benchmark. */
    public InputRecord toInput(ConsumerRecord<byte[], byte[]> record) {
        if (validator == null) {
            init();
        }
        try {
            Checked<?> checked;
            boolean impression = record.topic().equals(config.impressionsTopic());
            if (!impression && !record.topic().equals(config.feedbackTopic())) {
                return deadLetter(record, DeadLetterReason.UNKNOWN_SCHEMA, "topic " + record.topic()
                        + " is neither the impressions nor the feedback topic");
            }
            if (impression) {
                DecodeResult<Impression> decoded = impressions.decode(record.value());
                if (!decoded.isOk()) {
                    return deadLetter(record, DeadLetterReason.of(decoded.failure().reason()), decoded.failure().message());
                }
                checked = validator.impression(decoded.value());
            } else {
                DecodeResult<Feedback> decoded = feedback.decode(record.value());
                if (!decoded.isOk()) {
                    return deadLetter(record, DeadLetterReason.of(decoded.failure().reason()), decoded.failure().message());
                }
                Checked<FeedbackEvent> fb = validator.feedback(decoded.value());
                if (fb.isOk()) {
                    fb.value().sourcePartition = record.partition();
                    fb.value().sourceOffset = record.offset();
                }
                checked = fb;
            }
            if (!checked.isOk()) {
                return deadLetter(record, checked.reason(), checked.message());
            }
            Object v = checked.value();
            return v instanceof ImpressionEvent i ? InputRecord.of(i) : InputRecord.of((FeedbackEvent) v);
        } catch (RuntimeException e) {
            // Defensive: a decoded record that trips the converter must not fail the job either.
            return deadLetter(record, DeadLetterReason.MALFORMED, "cannot convert " + record.topic() + " record: " + e);
        }
    }

    private static InputRecord deadLetter(ConsumerRecord<byte[], byte[]> record, DeadLetterReason reason, String message) {
        return InputRecord.of(DeadLetterRecord.of(record.topic(), record.partition(), record.offset(), reason, message,
                record.key(), record.value(), record.timestamp(), System.currentTimeMillis()));
    }

    @Override
    public TypeInformation<InputRecord> getProducedType() {
        return TypeInformation.of(InputRecord.class);
    }
}
