package io.grade.jobs.session;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Binary form of a {@link LabelledRequest} on the labelled-requests topic: a 2-byte magic, a version
 * byte, then the fields in declaration order (big-endian; strings as a 16-bit length and UTF-8
 * bytes; arrays with an int length). The record is internal to the job family; an Avro schema in {@code schemas/} is the
 * way to go if other teams start reading it.
 */
public final class LabelledRequestCodec {

    static final byte MAGIC_0 = (byte) 0x47; // 'G'
    static final byte MAGIC_1 = (byte) 0x4C; // 'L'
    static final byte VERSION = 1;

    private LabelledRequestCodec() {}

    public static byte[] encode(LabelledRequest r) {
        // One exact-size ByteBuffer: the labelled stream is large and DataOutputStream's
        // per-value synchronised writes were a visible share of the join's time.
        byte[] userId = utf8(r.userId);
        byte[] requestId = utf8(r.requestId);
        byte[] modelId = utf8(r.modelId == null ? "" : r.modelId);
        byte[][] itemIds = new byte[r.itemIds.length][];
        int size = 3 + 3 * 2 + userId.length + requestId.length + modelId.length + 3 * 8 + 2 * 4
                + 4 + 4 * r.features.length + 4 + 4 + 4 * r.positions.length + 4 + 4 * r.scores.length
                + 4 + 8 * r.labels.length + 4 + 8 * r.servedWeights.length + 4 + 8 + 4 + 4 + 4 * 8;
        for (int j = 0; j < itemIds.length; j++) {
            itemIds[j] = utf8(r.itemIds[j]);
            size += 2 + itemIds[j].length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(MAGIC_0).put(MAGIC_1).put(VERSION);
        putString(out, userId);
        putString(out, requestId);
        putString(out, modelId);
        out.putLong(r.policyVersion).putLong(r.eventTime).putLong(r.closeTime);
        out.putInt(r.items).putInt(r.tasks);
        out.putInt(r.features.length);
        for (float v : r.features) {
            out.putFloat(v);
        }
        out.putInt(itemIds.length);
        for (byte[] id : itemIds) {
            putString(out, id);
        }
        out.putInt(r.positions.length);
        for (int p : r.positions) {
            out.putInt(p);
        }
        out.putInt(r.scores.length);
        for (float v : r.scores) {
            out.putFloat(v);
        }
        out.putInt(r.labels.length);
        for (double v : r.labels) {
            out.putDouble(v);
        }
        out.putInt(r.servedWeights.length);
        for (double v : r.servedWeights) {
            out.putDouble(v);
        }
        out.putInt(r.feedbackCount).putLong(r.sessionStart).putInt(r.sessionPosition).putInt(r.sessionRequests);
        out.putDouble(r.rewardPost).putDouble(r.rewardPrior).putDouble(r.rewardFormat).putDouble(r.rewardTotal);
        return out.array();
    }

    private static byte[] utf8(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xFFFF) {
            throw new IllegalArgumentException("string longer than 65535 bytes: " + s.substring(0, 40) + "...");
        }
        return b;
    }

    /** Unsigned 16-bit length + UTF-8 bytes: what DataInputStream.readUTF reads for non-special characters. */
    private static void putString(ByteBuffer out, byte[] utf8) {
        out.putShort((short) utf8.length).put(utf8);
    }

    /** Decodes bytes written by {@link #encode}; throws IllegalArgumentException on anything else. */
    public static LabelledRequest decode(byte[] bytes) {
        if (bytes == null || bytes.length < 3 || bytes[0] != MAGIC_0 || bytes[1] != MAGIC_1) {
            throw new IllegalArgumentException("not a labelled request");
        }
        if (bytes[2] != VERSION) {
            throw new IllegalArgumentException("unsupported labelled request version " + bytes[2]);
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 3, bytes.length - 3))) {
            LabelledRequest r = new LabelledRequest();
            r.userId = readString(in);
            r.requestId = readString(in);
            r.modelId = readString(in);
            r.policyVersion = in.readLong();
            r.eventTime = in.readLong();
            r.closeTime = in.readLong();
            r.items = in.readInt();
            r.tasks = in.readInt();
            r.features = readFloats(in);
            r.itemIds = new String[checkedLength(in.readInt(), bytes.length)];
            for (int j = 0; j < r.itemIds.length; j++) {
                r.itemIds[j] = readString(in);
            }
            r.positions = new int[checkedLength(in.readInt(), bytes.length)];
            for (int j = 0; j < r.positions.length; j++) {
                r.positions[j] = in.readInt();
            }
            r.scores = readFloats(in);
            r.labels = readDoubles(in);
            r.servedWeights = readDoubles(in);
            r.feedbackCount = in.readInt();
            r.sessionStart = in.readLong();
            r.sessionPosition = in.readInt();
            r.sessionRequests = in.readInt();
            r.rewardPost = in.readDouble();
            r.rewardPrior = in.readDouble();
            r.rewardFormat = in.readDouble();
            r.rewardTotal = in.readDouble();
            return r;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated labelled request", e);
        }
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] b = new byte[in.readUnsignedShort()];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static int checkedLength(int n, int limit) {
        if (n < 0 || n > limit) {
            throw new IllegalArgumentException("bad array length " + n);
        }
        return n;
    }

    private static float[] readFloats(DataInputStream in) throws IOException {
        float[] a = new float[checkedLength(in.readInt(), Integer.MAX_VALUE / 4)];
        for (int i = 0; i < a.length; i++) {
            a[i] = in.readFloat();
        }
        return a;
    }

    private static double[] readDoubles(DataInputStream in) throws IOException {
        double[] a = new double[checkedLength(in.readInt(), Integer.MAX_VALUE / 8)];
        for (int i = 0; i < a.length; i++) {
            a[i] = in.readDouble();
        }
        return a;
    }
}
