package io.grade.model.policy;

import io.grade.schemas.ParameterTensor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * CRC32C over a policy's parameters, as carried in {@code PolicySnapshot.checksum}.
 *
 * <p>Per tensor, in order: the name's UTF-8 bytes, each shape dimension as a big-endian int, each
 * value's IEEE-754 bits ({@link Double#doubleToLongBits}, so every NaN hashes alike) as a
 * big-endian long. Bit-level, so any change to a value, a shape, a name or the order changes it
 * (up to CRC collisions, which do not matter for corruption detection).
 */
public final class PolicyChecksum {

    private PolicyChecksum() {}

    /** Checksum of plain-array parameters. */
    public static long compute(PolicyParameters params) {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocate(8 * 256);
        for (String name : params.names()) {
            update(crc, buf, name, params.shape(name), params.valuesView(name));
        }
        return crc.getValue();
    }

    /** Checksum of snapshot tensors exactly as they are (also when malformed). */
    public static long compute(List<ParameterTensor> tensors) {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocate(8 * 256);
        for (ParameterTensor t : tensors) {
            crc.update(t.getName().getBytes(StandardCharsets.UTF_8));
            for (Integer dim : t.getShape()) {
                putInt(crc, buf, dim);
            }
            for (Double v : t.getValues()) {
                putLong(crc, buf, Double.doubleToLongBits(v));
            }
            flush(crc, buf);
        }
        return crc.getValue();
    }

    private static void update(CRC32C crc, ByteBuffer buf, String name, int[] shape, double[] values) {
        crc.update(name.getBytes(StandardCharsets.UTF_8));
        for (int dim : shape) {
            putInt(crc, buf, dim);
        }
        for (double v : values) {
            putLong(crc, buf, Double.doubleToLongBits(v));
        }
        flush(crc, buf);
    }

    // values are batched through a buffer because CRC32C.update per 8 bytes is slow; ByteBuffer is big-endian by default
    private static void putInt(CRC32C crc, ByteBuffer buf, int v) {
        if (buf.remaining() < Integer.BYTES) {
            flush(crc, buf);
        }
        buf.putInt(v);
    }

    private static void putLong(CRC32C crc, ByteBuffer buf, long v) {
        if (buf.remaining() < Long.BYTES) {
            flush(crc, buf);
        }
        buf.putLong(v);
    }

    private static void flush(CRC32C crc, ByteBuffer buf) {
        buf.flip();
        crc.update(buf);
        buf.clear();
    }
}
