package io.grade.schemas.codec;

import java.io.Serializable;
import java.util.Map;
import java.util.Objects;

/**
 * Upper bounds a record must respect before it is decoded: its size, the size of each string or
 * bytes field, and the element count of named array fields. {@link EventCodec} checks every length
 * and count of the body against these and against the bytes left in the record before Avro
 * allocates anything (see {@link AvroBodyScanner}).
 *
 * @param maxRecordBytes largest accepted record (single-object header + body)
 * @param maxStringBytes largest accepted string or bytes field
 * @param maxCounts largest element count of an array field, keyed {@code Record.field}
 *                  (e.g. {@code Impression.items}); arrays not listed are bounded by the bytes left only
 */
public record DecodeLimits(int maxRecordBytes, int maxStringBytes, Map<String, Integer> maxCounts)
        implements Serializable {

    /** Only the structural bound: no length or count may exceed the bytes left in the record. */
    public static final DecodeLimits STRUCTURAL = new DecodeLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, Map.of());

    public DecodeLimits {
        if (maxRecordBytes < 1 || maxStringBytes < 0) {
            throw new IllegalArgumentException("limits must be positive: " + maxRecordBytes + ", " + maxStringBytes);
        }
        maxCounts = Map.copyOf(Objects.requireNonNull(maxCounts));
    }

    /** The configured maximum count of {@code record.field}, or -1 when only the bytes left bound it. */
    public int maxCount(String record, String field) {
        Integer max = maxCounts.get(record + "." + field);
        return max == null ? -1 : max;
    }
}
