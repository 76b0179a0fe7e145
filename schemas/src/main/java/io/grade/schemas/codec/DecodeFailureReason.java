package io.grade.schemas.codec;

/** Why bytes from a topic could not be decoded; each reason has its own dead-letter counter. */
public enum DecodeFailureReason {
    /** Null or zero-length value. */
    EMPTY_PAYLOAD,
    /** Not Avro single-object encoding: the two-byte marker C3 01 is missing. */
    GARBAGE_BYTES,
    /** The 8-byte schema fingerprint is not one of the known (current or released) schemas. */
    UNKNOWN_SCHEMA,
    /**
     * The header or the body ends before the record does: a fixed-size field, or a length or count
     * within every limit, runs past the last byte.
     */
    TRUNCATED,
    /** The body does not decode with the writer schema (bad lengths, bad union index, ...). */
    MALFORMED,
    /** The record is larger than the configured maximum record size; nothing of it is decoded. */
    RECORD_TOO_LARGE,
    /**
     * A length or count in the body exceeds a configured maximum (string bytes, record bytes, a
     * field's count); found by the pre-decode scan before Avro allocates anything.
     */
    LENGTH_OUT_OF_BOUNDS
}
