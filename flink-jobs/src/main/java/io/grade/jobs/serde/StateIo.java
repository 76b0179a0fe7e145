package io.grade.jobs.serde;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** Compact field encodings shared by the join's state serializers. */
public final class StateIo {

    private StateIo() {}

    /** Unsigned LEB128: 1 byte below 128. */
    public static void writeVarInt(int v, DataOutputView out) throws IOException {
        while ((v & ~0x7F) != 0) {
            out.writeByte((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.writeByte(v);
    }

    public static int readVarInt(DataInputView in) throws IOException {
        int v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IOException("malformed var-int");
    }

    /**
     * Null-safe string: var-int (UTF-8 length + 1, 0 for null), then the UTF-8 bytes. The JDK's
     * UTF-8 coding of these short ASCII ids is much cheaper than StringValue's char-by-char
     * encoding with its thread-local buffer. Ids come from Avro strings, which are valid UTF-8.
     */
    public static void writeString(String s, DataOutputView out) throws IOException {
        if (s == null) {
            writeVarInt(0, out);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeVarInt(b.length + 1, out);
        out.write(b);
    }

    public static String readString(DataInputView in) throws IOException {
        int n = readVarInt(in);
        if (n == 0) {
            return null;
        }
        byte[] b = new byte[n - 1];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    public static void writeDoubles(double[] a, DataOutputView out) throws IOException {
        writeVarInt(a.length, out);
        for (double v : a) {
            out.writeDouble(v);
        }
    }

    public static double[] readDoubles(DataInputView in) throws IOException {
        double[] a = new double[readVarInt(in)];
        for (int i = 0; i < a.length; i++) {
            a[i] = in.readDouble();
        }
        return a;
    }

    public static void writeFloats(float[] a, DataOutputView out) throws IOException {
        writeVarInt(a.length, out);
        for (float v : a) {
            out.writeFloat(v);
        }
    }

    public static float[] readFloats(DataInputView in) throws IOException {
        float[] a = new float[readVarInt(in)];
        for (int i = 0; i < a.length; i++) {
            a[i] = in.readFloat();
        }
        return a;
    }

    /** Small non-negative ints as var-ints; {@code offset} shifts values >= -offset (positions use 1 for -1). */
    public static void writeSmallInts(int[] a, int offset, DataOutputView out) throws IOException {
        writeVarInt(a.length, out);
        for (int v : a) {
            writeVarInt(v + offset, out);
        }
    }

    public static int[] readSmallInts(int offset, DataInputView in) throws IOException {
        int[] a = new int[readVarInt(in)];
        for (int i = 0; i < a.length; i++) {
            a[i] = readVarInt(in) - offset;
        }
        return a;
    }

    public static void writeStrings(String[] a, DataOutputView out) throws IOException {
        writeVarInt(a.length, out);
        for (String s : a) {
            writeString(s, out);
        }
    }

    public static String[] readStrings(DataInputView in) throws IOException {
        String[] a = new String[readVarInt(in)];
        for (int i = 0; i < a.length; i++) {
            a[i] = readString(in);
        }
        return a;
    }
}
