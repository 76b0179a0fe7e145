package io.grade.schemas.codec;

import org.apache.avro.Schema;

/**
 * Walks an Avro binary body along its writer schema without materialising anything, checking
 * every length and count before a decoder would allocate for it. A string or bytes length above
 * {@link DecodeLimits#maxStringBytes()} or {@link DecodeLimits#maxRecordBytes()}, or an array or
 * map block count whose elements (at their smallest encoding) could not fit in the record or in
 * max-record-bytes, is LENGTH_OUT_OF_BOUNDS; an array count above its
 * {@link DecodeLimits#maxCount configured maximum} is LENGTH_OUT_OF_BOUNDS with the field named
 * (the caller gives the precise reason); a plausible length or count that runs past the end of the
 * record is TRUNCATED (the record was cut short: the two cannot be told apart). Union and
 * enum indexes must be in range; values may nest at most 64 deep (a recursive writer schema cannot
 * overflow the stack). A body that passes is safe to hand to Avro: every allocation
 * Avro then makes is bounded by the record's size. Not thread-safe (one instance per call).
 */
final class AvroBodyScanner {

    /** Deepest nesting walked (records, unions, arrays); the released schemas nest 4 deep. */
    private static final int MAX_DEPTH = 64;

    private final byte[] buf;
    private final int end;
    private final DecodeLimits limits;
    private final String recordName;
    private int pos;

    private AvroBodyScanner(byte[] buf, int start, DecodeLimits limits, String recordName) {
        this.buf = buf;
        this.pos = start;
        this.end = buf.length;
        this.limits = limits;
        this.recordName = recordName;
    }

    /** Null when the body from {@code start} is safe to decode with {@code writer}, else the first problem. */
    static DecodeFailure scan(byte[] buf, int start, Schema writer, DecodeLimits limits) {
        AvroBodyScanner s = new AvroBodyScanner(buf, start, limits, writer.getName());
        try {
            s.skip(writer, writer.getName(), null, 0);
            return null;
        } catch (Problem p) {
            return p.failure;
        }
    }

    private void skip(Schema schema, String record, String field, int depth) {
        if (depth > MAX_DEPTH) {
            throw problem(DecodeFailureReason.MALFORMED, null, "values nested deeper than " + MAX_DEPTH + at(field));
        }
        switch (schema.getType()) {
            case NULL -> { }
            case BOOLEAN -> advance(1, field);
            case INT -> readInt(field);
            case LONG -> readLong(field);
            case FLOAT -> advance(4, field);
            case DOUBLE -> advance(8, field);
            case FIXED -> advance(schema.getFixedSize(), field);
            case STRING, BYTES -> {
                long len = readLong(field);
                if (len < 0) {
                    throw problem(DecodeFailureReason.MALFORMED, null, "negative length " + len + at(field));
                }
                if (len > limits.maxStringBytes() || len > limits.maxRecordBytes()) {
                    throw problem(DecodeFailureReason.LENGTH_OUT_OF_BOUNDS, null, "length " + len + at(field)
                            + " exceeds " + (len > limits.maxStringBytes() ? "max-string-bytes " + limits.maxStringBytes()
                                    : "max-record-bytes " + limits.maxRecordBytes()));
                }
                if (len > end - pos) {
                    throw problem(DecodeFailureReason.TRUNCATED, null, "length " + len + at(field)
                            + " exceeds the " + (end - pos) + " bytes left: the record is cut short");
                }
                pos += (int) len;
            }
            case ENUM -> {
                int i = readInt(field);
                if (i < 0 || i >= schema.getEnumSymbols().size()) {
                    throw problem(DecodeFailureReason.MALFORMED, null, "enum index " + i + " out of range" + at(field));
                }
            }
            case UNION -> {
                int i = readInt(field);
                if (i < 0 || i >= schema.getTypes().size()) {
                    throw problem(DecodeFailureReason.MALFORMED, null, "union index " + i + " out of range" + at(field));
                }
                skip(schema.getTypes().get(i), record, field, depth + 1);
            }
            case RECORD -> {
                for (Schema.Field f : schema.getFields()) {
                    skip(f.schema(), schema.getName(), schema.getName() + "." + f.name(), depth + 1);
                }
            }
            case ARRAY -> skipBlocks(schema.getElementType(), null, record, field, depth);
            case MAP -> skipBlocks(schema.getValueType(), Schema.create(Schema.Type.STRING), record, field, depth);
        }
    }

    /** Array or map blocks: count [byte size] elements..., ended by a zero count. */
    private void skipBlocks(Schema element, Schema mapKey, String record, String field, int depth) {
        int minBytes = minBytes(element, 0) + (mapKey == null ? 0 : 1);
        String name = field == null ? record : field;
        int dot = name.indexOf('.');
        int max = dot < 0 ? -1 : limits.maxCount(name.substring(0, dot), name.substring(dot + 1));
        long total = 0;
        for (long count = readLong(field); count != 0; count = readLong(field)) {
            if (count < 0) {
                if (count == Long.MIN_VALUE) {
                    throw problem(DecodeFailureReason.MALFORMED, null, "block count out of range" + at(field));
                }
                count = -count;
                readLong(field); // block size in bytes, not needed to walk the elements
            }
            long left = end - pos;
            // A zero-size element (null) costs no bytes: count it as one byte for these bounds. The
            // count is checked alone first, so that the product cannot overflow.
            long bytes = count > limits.maxRecordBytes() ? Long.MAX_VALUE : count * Math.max(minBytes, 1);
            if (bytes > limits.maxRecordBytes()) {
                throw problem(DecodeFailureReason.LENGTH_OUT_OF_BOUNDS, null, "count " + count + at(field)
                        + " cannot fit in max-record-bytes " + limits.maxRecordBytes() + " (at least " + minBytes
                        + " bytes per element)");
            }
            total += count;
            if (max >= 0 && total > max) {
                throw problem(DecodeFailureReason.LENGTH_OUT_OF_BOUNDS, name, "count " + total + at(field)
                        + " exceeds its maximum " + max);
            }
            if (bytes > left) {
                throw problem(DecodeFailureReason.TRUNCATED, null, "count " + count + at(field) + " needs at least "
                        + bytes + " bytes, " + left + " left: the record is cut short");
            }
            for (long i = 0; i < count; i++) {
                if (mapKey != null) {
                    skip(mapKey, record, field, depth + 1);
                }
                skip(element, record, field, depth + 1);
            }
        }
    }

    /** Fewest bytes one value of the schema takes in the binary encoding. */
    private static int minBytes(Schema s, int depth) {
        if (depth > MAX_DEPTH) {
            return 0; // a recursive schema: 0 is a safe lower bound
        }
        return switch (s.getType()) {
            case NULL -> 0;
            case FLOAT -> 4;
            case DOUBLE -> 8;
            case FIXED -> s.getFixedSize();
            case RECORD -> {
                int n = 0;
                for (Schema.Field f : s.getFields()) {
                    n += minBytes(f.schema(), depth + 1);
                }
                yield n;
            }
            case UNION -> {
                int n = Integer.MAX_VALUE;
                for (Schema b : s.getTypes()) {
                    n = Math.min(n, minBytes(b, depth + 1));
                }
                yield 1 + n;
            }
            default -> 1; // boolean, int, long, enum, string, bytes, array, map: at least one byte
        };
    }

    private void advance(int n, String field) {
        if (n > end - pos) {
            throw problem(DecodeFailureReason.TRUNCATED, null, recordName + " body ends early" + at(field));
        }
        pos += n;
    }

    private int readInt(String field) {
        long v = readLong(field);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw problem(DecodeFailureReason.MALFORMED, null, "int out of range" + at(field));
        }
        return (int) v;
    }

    /** A zig-zag varint of at most 10 bytes. */
    private long readLong(String field) {
        long raw = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= end) {
                throw problem(DecodeFailureReason.TRUNCATED, null, recordName + " body ends early" + at(field));
            }
            int b = buf[pos++] & 0xff;
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw problem(DecodeFailureReason.MALFORMED, null, "varint longer than 10 bytes" + at(field));
    }

    private String at(String field) {
        return field == null ? " in " + recordName : " of " + field;
    }

    private static Problem problem(DecodeFailureReason reason, String limitedField, String message) {
        return new Problem(new DecodeFailure(reason, message, limitedField));
    }

    /** Unwinds the walk at the first problem; no stack trace (hostile input is not exceptional). */
    private static final class Problem extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient DecodeFailure failure;

        Problem(DecodeFailure failure) {
            super(failure.message(), null, false, false);
            this.failure = failure;
        }
    }
}
