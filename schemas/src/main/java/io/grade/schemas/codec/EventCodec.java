package io.grade.schemas.codec;

import io.grade.schemas.DeadLetter;
import io.grade.schemas.Feedback;
import io.grade.schemas.Impression;
import io.grade.schemas.PolicyControl;
import io.grade.schemas.PolicySnapshot;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Avro single-object encoding (marker C3 01, 8-byte little-endian CRC-64-AVRO fingerprint of the
 * writer schema, binary body) for one record type. Decoding resolves any released writer schema
 * to the current reader schema and never throws: bad bytes become a {@link DecodeResult} with a
 * reason, ready for the dead-letter topic. Thread-safe.
 */
public final class EventCodec<T extends SpecificRecordBase> {

    private static final int HEADER_BYTES = 10;
    private static final byte MARKER_0 = (byte) 0xC3;
    private static final byte MARKER_1 = (byte) 0x01;

    private final Schema schema;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;
    private final Map<Long, Schema> writers = new HashMap<>();

    private EventCodec(Schema schema, Collection<Schema> writerSchemas) {
        this.schema = schema;
        SpecificData model = SpecificData.getForSchema(schema);
        SchemaStore.Cache store = new SchemaStore.Cache();
        store.addSchema(schema);
        writers.put(SchemaNormalization.parsingFingerprint64(schema), schema);
        for (Schema released : writerSchemas) {
            store.addSchema(released);
            writers.putIfAbsent(SchemaNormalization.parsingFingerprint64(released), released);
        }
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema, store);
    }

    public static EventCodec<Impression> impressions() {
        return forRecord(Impression.getClassSchema());
    }

    public static EventCodec<Feedback> feedback() {
        return forRecord(Feedback.getClassSchema());
    }

    public static EventCodec<PolicySnapshot> policySnapshots() {
        return forRecord(PolicySnapshot.getClassSchema());
    }

    /** Control records of the policy topic (pin, kill switch; key {@code <modelId>#control}). */
    public static EventCodec<PolicyControl> policyControls() {
        return forRecord(PolicyControl.getClassSchema());
    }

    public static EventCodec<DeadLetter> deadLetters() {
        return forRecord(DeadLetter.getClassSchema());
    }

    /** Codec of a generated record that accepts writers on its released schemas ({@link SchemaHistory}). */
    public static <R extends SpecificRecordBase> EventCodec<R> forRecord(Schema current) {
        return new EventCodec<>(current, SchemaHistory.released(current.getName()));
    }

    /** Codec that also accepts the given writer schemas (each must be readable by {@code current}). */
    public static <R extends SpecificRecordBase> EventCodec<R> withWriterSchemas(Schema current,
            Collection<Schema> writerSchemas) {
        return new EventCodec<>(current, writerSchemas);
    }

    /** The current (reader and writer) schema. */
    public Schema schema() {
        return schema;
    }

    /** Encodes with the current schema; fails only on a record that violates its own schema. */
    public byte[] encode(T record) {
        try {
            ByteBuffer buf = encoder.encode(record);
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + schema.getName(), e);
        }
    }

    /**
     * Decodes bytes written with the current or any released schema; never throws. Every length and
     * count of the body is checked against the bytes left before anything is allocated.
     */
    public DecodeResult<T> decode(byte[] bytes) {
        return decode(bytes, DecodeLimits.STRUCTURAL);
    }

    /**
     * As {@link #decode(byte[])}, also enforcing {@code limits}: the record size, then every string,
     * bytes and array length of the body along the writer schema (found by the fingerprint) before
     * Avro decodes it. Any {@link Throwable} of the decoder, errors included, becomes MALFORMED.
     */
    public DecodeResult<T> decode(byte[] bytes, DecodeLimits limits) {
        if (bytes == null || bytes.length == 0) {
            return DecodeResult.failed(DecodeFailureReason.EMPTY_PAYLOAD, "empty " + schema.getName() + " payload");
        }
        if (bytes.length < 2 || bytes[0] != MARKER_0 || bytes[1] != MARKER_1) {
            return DecodeResult.failed(DecodeFailureReason.GARBAGE_BYTES,
                    "not Avro single-object encoding (no C3 01 marker), " + bytes.length + " bytes");
        }
        if (bytes.length < HEADER_BYTES) {
            return DecodeResult.failed(DecodeFailureReason.TRUNCATED,
                    "header truncated: " + bytes.length + " of " + HEADER_BYTES + " bytes");
        }
        if (bytes.length > limits.maxRecordBytes()) {
            return DecodeResult.failed(DecodeFailureReason.RECORD_TOO_LARGE, schema.getName() + " record of "
                    + bytes.length + " bytes exceeds max-record-bytes " + limits.maxRecordBytes());
        }
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Schema writer = writers.get(fingerprint);
        if (writer == null) {
            return DecodeResult.failed(DecodeFailureReason.UNKNOWN_SCHEMA, String.format(
                    "writer schema fingerprint %016x is not a known %s schema", fingerprint, schema.getName()));
        }
        try {
            DecodeFailure unsafe = AvroBodyScanner.scan(bytes, HEADER_BYTES, writer, limits);
            if (unsafe != null) {
                return DecodeResult.failed(unsafe);
            }
            return DecodeResult.ok(decoder.decode(bytes));
        } catch (StackOverflowError | OutOfMemoryError e) {
            // Cannot happen after the scan on the released schemas; kept so that no input ever stops a job.
            return DecodeResult.failed(DecodeFailureReason.MALFORMED, schema.getName() + " decoder failed: " + e);
        } catch (MissingSchemaException e) {
            return DecodeResult.failed(DecodeFailureReason.UNKNOWN_SCHEMA, e.getMessage());
        } catch (IOException | RuntimeException e) {
            if (hasCause(e, EOFException.class)) {
                return DecodeResult.failed(DecodeFailureReason.TRUNCATED,
                        schema.getName() + " body ends early (" + bytes.length + " bytes)");
            }
            return DecodeResult.failed(DecodeFailureReason.MALFORMED,
                    schema.getName() + " body does not decode: " + e);
        }
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }
}
