package io.grade.jobs.events;

import io.grade.schemas.codec.DecodeFailureReason;

/**
 * Why an input record went to the dead-letter topic. The decoding reasons mirror
 * {@link DecodeFailureReason}; the validation reasons are checked against the job configuration;
 * the last three are decided by the session join. Each reason has its own counter.
 */
public enum DeadLetterReason {
    // decoding (EventCodec)
    EMPTY_PAYLOAD,
    GARBAGE_BYTES,
    UNKNOWN_SCHEMA,
    TRUNCATED,
    MALFORMED,
    /** Record key + value bytes above max-record-bytes; checked before anything is decoded. */
    RECORD_TOO_LARGE,
    /**
     * A length or count field of the Avro body that no accepted record could hold: a string above
     * max-string-bytes, an array whose elements could not fit in max-record-bytes (e.g. the 31-byte
     * record whose first string says 400 MB). Found by the pre-decode scan before anything is
     * allocated. A plausible length that merely runs past the end of the record is TRUNCATED; a
     * count above a configured dimension keeps its precise reason (TOO_MANY_ITEMS, ...).
     */
    LENGTH_OUT_OF_BOUNDS,
    // validation (EventValidator)
    MISSING_FIELD,
    NEGATIVE_TIME,
    EMPTY_ITEMS,
    TOO_MANY_ITEMS,
    DUPLICATE_ITEM_ID,
    TASK_COUNT_MISMATCH,
    FEATURE_DIM_MISMATCH,
    NON_FINITE,
    NEGATIVE_SCORE,
    INVALID_WEIGHTS,
    UNKNOWN_FEEDBACK_TYPE,
    NEGATIVE_VALUE,
    /**
     * Event time further ahead of the reference clock than max-event-time-ahead, or further behind
     * the watermark than max-event-time-behind; such events never reach the watermark generator.
     */
    EVENT_TIME_OUT_OF_RANGE,
    // session join
    LATE_FEEDBACK,
    ORPHANED_FEEDBACK,
    UNKNOWN_ITEM;

    /** The dead-letter reason of a decoding failure. */
    public static DeadLetterReason of(DecodeFailureReason reason) {
        return switch (reason) {
            case EMPTY_PAYLOAD -> EMPTY_PAYLOAD;
            case GARBAGE_BYTES -> GARBAGE_BYTES;
            case UNKNOWN_SCHEMA -> UNKNOWN_SCHEMA;
            case TRUNCATED -> TRUNCATED;
            case MALFORMED -> MALFORMED;
            case RECORD_TOO_LARGE -> RECORD_TOO_LARGE;
            case LENGTH_OUT_OF_BOUNDS -> LENGTH_OUT_OF_BOUNDS;
        };
    }

    /** True for the reasons decided at the source (decoding or validation), false for the join's. */
    public boolean rejectedAtSource() {
        return this != LATE_FEEDBACK && this != ORPHANED_FEEDBACK && this != UNKNOWN_ITEM;
    }

    /** lowerCamelCase name of the reason's counter, e.g. {@code garbageBytes}. */
    public String metricName() {
        StringBuilder b = new StringBuilder();
        boolean upper = false;
        for (char ch : name().toLowerCase(java.util.Locale.ROOT).toCharArray()) {
            if (ch == '_') {
                upper = true;
            } else {
                b.append(upper ? Character.toUpperCase(ch) : ch);
                upper = false;
            }
        }
        return b.toString();
    }
}
