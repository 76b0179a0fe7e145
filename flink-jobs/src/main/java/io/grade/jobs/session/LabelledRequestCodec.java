package io.grade.jobs.session;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.ByteUtils;

/**
 * Binary form of a {@link LabelledRequest} on the labelled-requests topic: a 2-byte magic "GL", a
 * version byte, then the fields in declaration order. {@link #encode} writes version 3;
 * {@link #decode} reads versions 1, 2 and 3 (older records may still be on a topic).
 *
 * <p>Version 3 is version 2 with one more byte at the end: the online-holdout arm (the ordinal of
 * {@code ExperimentArm}: 0 UNASSIGNED, 1 TREATMENT, 2 CONTROL). Versions 1 and 2 decode as UNASSIGNED.
 *
 * <p>Version 2 (compact; fixed-width values big-endian, var-ints unsigned LEB128, a string is a
 * var-int UTF-8 length and the bytes, an array a var-int length and its values):
 * <pre>
 *   'G' 'L' 2
 *   userId requestId modelId            strings (a null modelId is written as "")
 *   policyVersion eventTime closeTime   8-byte longs
 *   items tasks                         var-ints
 *   features                            var-int n, n 4-byte floats
 *   itemIds                             var-int n, n strings
 *   positions                           var-int n, n zig-zag var-ints (-1 = not shown is 1 byte)
 *   scores                              var-int n, n 4-byte floats
 *   labels                              var-int n (dense length), var-int c (cells whose bits are
 *                                       not those of +0.0), then per cell: var-int gap (its index
 *                                       minus the previous cell's index minus 1; the first cell's
 *                                       index itself) and the 8-byte double (exact bits, -0.0 kept)
 *   servedWeights                       var-int n, n 8-byte doubles
 *   feedbackCount                       var-int
 *   sessionStart                        8-byte long
 *   sessionPosition sessionRequests     var-ints
 *   rewardPost rewardPrior rewardFormat rewardTotal   8-byte doubles
 * </pre>
 * Every int written as a var-int round-trips (negative values take 5 bytes). A version 2 record
 * holds at most {@link #MAX_LABEL_CELLS} label cells: the dense length is the one length not backed
 * by bytes of the record, so the decoder bounds it with this constant (the job's requests have
 * items x tasks cells, at most max-items x tasks = 200 x 4 by default); {@code encode} refuses more.
 *
 * <p>Version 1: the same fields, all fixed-width big-endian; strings as an unsigned 16-bit length and
 * the UTF-8 bytes, arrays (labels dense) with an int length. A typical request (50 candidates, 4
 * tasks, 10 shown, 32 features, 3 non-zero labels) takes 1,380 bytes in version 2 against 3,186 in
 * version 1, 43 % (LabelledRequestCodecTest prints both); the dense float scores are most of what is left.
 *
 * <p>The record is internal to the job family; an Avro schema in {@code schemas/} is the way to go if
 * other teams start reading it.
 */
public final class LabelledRequestCodec {

    static final byte MAGIC_0 = (byte) 0x47; // 'G'
    static final byte MAGIC_1 = (byte) 0x4C; // 'L'
    static final byte VERSION_1 = 1;
    static final byte VERSION_2 = 2;
    /** The version {@link #encode} writes. */
    static final byte VERSION_3 = 3;
    /** Most label cells (items x tasks) a version 2 record may hold: 8 MiB of doubles. */
    static final int MAX_LABEL_CELLS = 1 << 20;

    private LabelledRequestCodec() {}

    /**
     * Encodes in version 3 into one exact-size array (sizes computed first, no stream, no copy).
     *
     * @throws IllegalArgumentException if the request has more than {@link #MAX_LABEL_CELLS} labels
     */
    public static byte[] encode(LabelledRequest r) {
        if (r.labels.length > MAX_LABEL_CELLS) {
            throw new IllegalArgumentException("more than " + MAX_LABEL_CELLS + " label cells: " + r.labels.length);
        }
        byte[] userId = utf8(r.userId);
        byte[] requestId = utf8(r.requestId);
        byte[] modelId = utf8(r.modelId == null ? "" : r.modelId);
        byte[][] itemIds = new byte[r.itemIds.length][];
        int size = 3 + 1 + stringSize(userId) + stringSize(requestId) + stringSize(modelId) + 3 * 8
                + varIntSize(r.items) + varIntSize(r.tasks)
                + varIntSize(r.features.length) + 4 * r.features.length
                + varIntSize(itemIds.length)
                + varIntSize(r.positions.length)
                + varIntSize(r.scores.length) + 4 * r.scores.length
                + varIntSize(r.labels.length)
                + varIntSize(r.servedWeights.length) + 8 * r.servedWeights.length
                + varIntSize(r.feedbackCount) + 8 + varIntSize(r.sessionPosition) + varIntSize(r.sessionRequests)
                + 4 * 8;
        for (int j = 0; j < itemIds.length; j++) {
            itemIds[j] = utf8(r.itemIds[j]);
            size += stringSize(itemIds[j]);
        }
        for (int p : r.positions) {
            size += ByteUtils.sizeOfVarint(p);
        }
        double[] labels = r.labels;
        int cells = 0;
        int previous = -1;
        for (int i = 0; i < labels.length; i++) {
            if (Double.doubleToRawLongBits(labels[i]) != 0L) {
                cells++;
                size += varIntSize(i - previous - 1) + 8;
                previous = i;
            }
        }
        size += varIntSize(cells);

        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(MAGIC_0).put(MAGIC_1).put(VERSION_3);
        putString(out, userId);
        putString(out, requestId);
        putString(out, modelId);
        out.putLong(r.policyVersion).putLong(r.eventTime).putLong(r.closeTime);
        putVarInt(out, r.items);
        putVarInt(out, r.tasks);
        putVarInt(out, r.features.length);
        for (float v : r.features) {
            out.putFloat(v);
        }
        putVarInt(out, itemIds.length);
        for (byte[] id : itemIds) {
            putString(out, id);
        }
        putVarInt(out, r.positions.length);
        for (int p : r.positions) {
            ByteUtils.writeVarint(p, out);
        }
        putVarInt(out, r.scores.length);
        for (float v : r.scores) {
            out.putFloat(v);
        }
        putVarInt(out, labels.length);
        putVarInt(out, cells);
        previous = -1;
        for (int i = 0; i < labels.length; i++) {
            long bits = Double.doubleToRawLongBits(labels[i]);
            if (bits != 0L) {
                putVarInt(out, i - previous - 1);
                out.putLong(bits);
                previous = i;
            }
        }
        putVarInt(out, r.servedWeights.length);
        for (double v : r.servedWeights) {
            out.putDouble(v);
        }
        putVarInt(out, r.feedbackCount);
        out.putLong(r.sessionStart);
        putVarInt(out, r.sessionPosition);
        putVarInt(out, r.sessionRequests);
        out.putDouble(r.rewardPost).putDouble(r.rewardPrior).putDouble(r.rewardFormat).putDouble(r.rewardTotal);
        out.put(r.arm);
        if (out.hasRemaining()) {
            throw new IllegalStateException("labelled request size miscomputed: " + out.remaining() + " bytes left");
        }
        return out.array();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int stringSize(byte[] utf8) {
        return varIntSize(utf8.length) + utf8.length;
    }

    private static void putString(ByteBuffer out, byte[] utf8) {
        putVarInt(out, utf8.length);
        out.put(utf8);
    }

    /** Bytes of {@code v} as an unsigned LEB128 var-int: 1 below 128, 5 for negative values. */
    // Var-ints are Kafka's (LEB128; zig-zag for the signed positions): ByteUtils of kafka-clients.
    static int varIntSize(int v) {
        return ByteUtils.sizeOfUnsignedVarint(v);
    }

    private static void putVarInt(ByteBuffer out, int v) {
        ByteUtils.writeUnsignedVarint(v, out);
    }

    /**
     * Decodes a version 1 or version 2 record; throws IllegalArgumentException on anything else
     * (foreign magic, unknown version, truncated, a length larger than the bytes left could hold,
     * trailing bytes after a version 2 record).
     */
    public static LabelledRequest decode(byte[] bytes) {
        if (bytes == null || bytes.length < 3 || bytes[0] != MAGIC_0 || bytes[1] != MAGIC_1) {
            throw new IllegalArgumentException("not a labelled request");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, 3, bytes.length - 3);
        try {
            return switch (bytes[2]) {
                case VERSION_3 -> decodeV2(in, true);
                case VERSION_2 -> decodeV2(in, false);
                case VERSION_1 -> decodeV1(in);
                default -> throw new IllegalArgumentException("unsupported labelled request version " + bytes[2]);
            };
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated labelled request", e);
        }
    }

    private static LabelledRequest decodeV2(ByteBuffer in, boolean withArm) {
        LabelledRequest r = new LabelledRequest();
        r.userId = readString(in);
        r.requestId = readString(in);
        r.modelId = readString(in);
        r.policyVersion = in.getLong();
        r.eventTime = in.getLong();
        r.closeTime = in.getLong();
        r.items = readVarInt(in);
        r.tasks = readVarInt(in);
        r.features = readFloats(in, readLength(in, 4));
        r.itemIds = new String[readLength(in, 1)];
        for (int j = 0; j < r.itemIds.length; j++) {
            r.itemIds[j] = readString(in);
        }
        r.positions = new int[readLength(in, 1)];
        for (int j = 0; j < r.positions.length; j++) {
            r.positions[j] = readZigZag(in);
        }
        r.scores = readFloats(in, readLength(in, 4));
        r.labels = readSparseLabels(in);
        r.servedWeights = readDoubles(in, readLength(in, 8));
        r.feedbackCount = readVarInt(in);
        r.sessionStart = in.getLong();
        r.sessionPosition = readVarInt(in);
        r.sessionRequests = readVarInt(in);
        r.rewardPost = in.getDouble();
        r.rewardPrior = in.getDouble();
        r.rewardFormat = in.getDouble();
        r.rewardTotal = in.getDouble();
        if (withArm) {
            r.arm = in.get();
            if (r.arm < 0 || r.arm > 2) {
                throw new IllegalArgumentException("bad online-holdout arm " + r.arm);
            }
        }
        if (in.hasRemaining()) {
            throw new IllegalArgumentException(in.remaining() + " trailing bytes after a labelled request");
        }
        return r;
    }

    private static double[] readSparseLabels(ByteBuffer in) {
        int length = readVarInt(in);
        if (length < 0 || length > MAX_LABEL_CELLS) {
            throw new IllegalArgumentException("bad label count " + length);
        }
        int cells = readLength(in, 9);
        if (cells > length) {
            throw new IllegalArgumentException(cells + " label cells in " + length + " labels");
        }
        double[] labels = new double[length];
        int previous = -1;
        for (int c = 0; c < cells; c++) {
            int gap = readVarInt(in);
            if (gap < 0 || gap >= length - previous - 1) {
                throw new IllegalArgumentException("label cell beyond " + length + " labels");
            }
            previous += gap + 1;
            labels[previous] = in.getDouble();
        }
        return labels;
    }

    private static LabelledRequest decodeV1(ByteBuffer in) {
        LabelledRequest r = new LabelledRequest();
        r.userId = readShortString(in);
        r.requestId = readShortString(in);
        r.modelId = readShortString(in);
        r.policyVersion = in.getLong();
        r.eventTime = in.getLong();
        r.closeTime = in.getLong();
        r.items = in.getInt();
        r.tasks = in.getInt();
        r.features = readFloats(in, checkedLength(in, in.getInt(), 4));
        r.itemIds = new String[checkedLength(in, in.getInt(), 2)];
        for (int j = 0; j < r.itemIds.length; j++) {
            r.itemIds[j] = readShortString(in);
        }
        r.positions = new int[checkedLength(in, in.getInt(), 4)];
        for (int j = 0; j < r.positions.length; j++) {
            r.positions[j] = in.getInt();
        }
        r.scores = readFloats(in, checkedLength(in, in.getInt(), 4));
        r.labels = readDoubles(in, checkedLength(in, in.getInt(), 8));
        r.servedWeights = readDoubles(in, checkedLength(in, in.getInt(), 8));
        r.feedbackCount = in.getInt();
        r.sessionStart = in.getLong();
        r.sessionPosition = in.getInt();
        r.sessionRequests = in.getInt();
        r.rewardPost = in.getDouble();
        r.rewardPrior = in.getDouble();
        r.rewardFormat = in.getDouble();
        r.rewardTotal = in.getDouble();
        return r;
    }

    /** Unsigned LEB128, at most 5 bytes; values of 2^31 and more come back negative. */
    private static int readVarInt(ByteBuffer in) {
        try {
            return ByteUtils.readUnsignedVarint(in);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed var-int", e);
        }
    }

    private static int readZigZag(ByteBuffer in) {
        try {
            return ByteUtils.readVarint(in);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed var-int", e);
        }
    }

    /** A var-int length of elements of at least {@code minBytes} bytes each, checked against the bytes left. */
    private static int readLength(ByteBuffer in, int minBytes) {
        return checkedLength(in, readVarInt(in), minBytes);
    }

    private static int checkedLength(ByteBuffer in, int n, int minBytes) {
        if (n < 0 || (long) n * minBytes > in.remaining()) {
            throw new IllegalArgumentException("bad length " + n + " with " + in.remaining() + " bytes left");
        }
        return n;
    }

    private static String readString(ByteBuffer in) {
        return utf8String(in, readLength(in, 1));
    }

    private static String readShortString(ByteBuffer in) {
        return utf8String(in, checkedLength(in, in.getShort() & 0xFFFF, 1));
    }

    private static String utf8String(ByteBuffer in, int length) {
        String s = new String(in.array(), in.arrayOffset() + in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return s;
    }

    private static float[] readFloats(ByteBuffer in, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = in.getFloat();
        }
        return a;
    }

    private static double[] readDoubles(ByteBuffer in, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = in.getDouble();
        }
        return a;
    }
}
