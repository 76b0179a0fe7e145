package io.grade.jobs.events;

import io.grade.jobs.config.GradeConfig;
import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.jobs.config.GradeOptions.EventTimeReference;
import io.grade.schemas.codec.DecodeFailure;
import io.grade.schemas.codec.DecodeLimits;
import io.grade.schemas.codec.DecodeResult;
import io.grade.schemas.codec.EventCodec;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes the records of the impressions and feedback topics (told apart by topic name) with
 * {@link EventCodec} and validates them with {@link EventValidator}. Never throws, whatever the
 * bytes: every record becomes an {@link InputRecord} holding either the event or a dead letter with
 * its reason, raw bytes and source coordinates. In order:
 * <ol>
 *   <li>key + value above max-record-bytes: RECORD_TOO_LARGE, nothing decoded;</li>
 *   <li>the codec's header checks, then the pre-decode scan of every length and count against the
 *       bytes left and the {@link GradeConfig#decodeLimits() limits} (LENGTH_OUT_OF_BOUNDS; a count
 *       that fits the bytes but exceeds a configured dimension gets the validator's precise reason:
 *       TOO_MANY_ITEMS, FEATURE_DIM_MISMATCH, TASK_COUNT_MISMATCH), then Avro;</li>
 *   <li>the validator's rules;</li>
 *   <li>the event-time guard: further ahead of the reference than max-event-time-ahead, or behind
 *       it by more than max-event-time-behind (when set): EVENT_TIME_OUT_OF_RANGE. A dead letter has
 *       no event time ({@link InputRecord#eventTime()}), so it never moves the watermark.</li>
 * </ol>
 * Any throwable on the way, errors included, becomes a MALFORMED dead letter.
 */
public final class EventDeserializationSchema implements KafkaRecordDeserializationSchema<InputRecord> {

    private static final long serialVersionUID = 1L;

    private final GradeConfig config;
    private transient EventCodec<Impression> impressions;
    private transient EventCodec<Feedback> feedback;
    private transient EventValidator validator;
    private transient DecodeLimits limits;
    /** Highest event time this reader accepted (MAX_ACCEPTED reference); Long.MIN_VALUE before the first. */
    private transient long maxAccepted;

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
        limits = config.decodeLimits();
        maxAccepted = Long.MIN_VALUE;
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<InputRecord> out) {
        out.collect(toInput(record));
    }

    /** The envelope of one record; public for the unit tests and the benchmark. */
    public InputRecord toInput(ConsumerRecord<byte[], byte[]> record) {
        return toInput(record, System.currentTimeMillis());
    }

    /** As {@link #toInput(ConsumerRecord)} at wall-clock time {@code now} (ms). */
    public InputRecord toInput(ConsumerRecord<byte[], byte[]> record, long now) {
        if (validator == null) {
            init();
        }
        try {
            InputRecord in = decode(record);
            return in.deadLetter != null ? in : guardEventTime(record, in, now);
        } catch (Throwable e) {
            // Defensive: nothing a record can trigger, OutOfMemoryError and StackOverflowError
            // included, may fail the source and restart the job into the same record forever.
            return deadLetter(record, DeadLetterReason.MALFORMED, "cannot decode " + record.topic() + " record: " + e);
        }
    }

    private InputRecord decode(ConsumerRecord<byte[], byte[]> record) {
        String topic = record.topic();
        boolean impression = config.impressionsTopic().equals(topic);
        if (!impression && !config.feedbackTopic().equals(topic)) {
            return deadLetter(record, DeadLetterReason.UNKNOWN_SCHEMA, "topic " + topic
                    + " is neither the impressions nor the feedback topic");
        }
        long size = (record.key() == null ? 0L : record.key().length) + (record.value() == null ? 0L : record.value().length);
        if (size > limits.maxRecordBytes()) {
            return deadLetter(record, DeadLetterReason.RECORD_TOO_LARGE, "record of " + size
                    + " bytes (key + value) exceeds max-record-bytes " + limits.maxRecordBytes());
        }
        Checked<?> checked;
        if (impression) {
            DecodeResult<Impression> decoded = impressions.decode(record.value(), limits);
            if (!decoded.isOk()) {
                return deadLetter(record, decoded.failure());
            }
            checked = validator.impression(decoded.value());
        } else {
            DecodeResult<Feedback> decoded = feedback.decode(record.value(), limits);
            if (!decoded.isOk()) {
                return deadLetter(record, decoded.failure());
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
    }

    /** Rejects an event too far from the reference clock; remembers accepted event times. */
    private InputRecord guardEventTime(ConsumerRecord<byte[], byte[]> record, InputRecord in, long now) {
        long t = in.eventTime();
        long reference = config.eventTimeReference() == EventTimeReference.MAX_ACCEPTED ? Math.max(now, maxAccepted) : now;
        long ahead = t - reference;
        if (ahead > config.maxEventTimeAheadMs()) {
            return deadLetter(record, DeadLetterReason.EVENT_TIME_OUT_OF_RANGE, "event time " + t + " is " + ahead
                    + " ms ahead of the " + referenceName() + " " + reference + " (max-event-time-ahead "
                    + config.maxEventTimeAheadMs() + " ms)");
        }
        long behind = config.maxEventTimeBehindMs();
        if (behind > 0 && -ahead > behind) {
            return deadLetter(record, DeadLetterReason.EVENT_TIME_OUT_OF_RANGE, "event time " + t + " is " + (-ahead)
                    + " ms behind the " + referenceName() + " " + reference + " (max-event-time-behind " + behind + " ms)");
        }
        maxAccepted = Math.max(maxAccepted, t);
        return in;
    }

    private String referenceName() {
        return config.eventTimeReference() == EventTimeReference.MAX_ACCEPTED
                ? "later of the wall clock and the highest accepted event time" : "wall clock";
    }

    /**
     * The dead letter of a decoding failure. A count beyond a configured dimension that the bytes
     * could hold gets the validator's precise reason; lengths beyond the bytes left stay
     * LENGTH_OUT_OF_BOUNDS.
     */
    private InputRecord deadLetter(ConsumerRecord<byte[], byte[]> record, DecodeFailure failure) {
        DeadLetterReason reason = failure.limitedField() == null ? DeadLetterReason.of(failure.reason())
                : switch (failure.limitedField()) {
                    case "Impression.items" -> DeadLetterReason.TOO_MANY_ITEMS;
                    case "Impression.features" -> DeadLetterReason.FEATURE_DIM_MISMATCH;
                    case "Impression.servedWeights", "Item.scores" -> DeadLetterReason.TASK_COUNT_MISMATCH;
                    default -> DeadLetterReason.of(failure.reason());
                };
        return deadLetter(record, reason, failure.message());
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
