package io.grade.jobs.learner;

import io.grade.core.grpo.GrpoLearnerState;
import io.grade.core.optim.Adam;
import io.grade.model.policy.PolicyParameters;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Binary form of the learner's whole state (policy, reference, Adam moments, schedule step,
 * counters, generator state) for Flink keyed state: one {@code byte[]} value, which Flink
 * serializes natively and RocksDB stores as one entry. The leading format version lets later
 * releases read older checkpoints.
 */
public final class LearnerStateCodec {

    static final int FORMAT_VERSION = 1;

    private LearnerStateCodec() {}

    /** Encodes the state. */
    public static byte[] encode(GrpoLearnerState s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(FORMAT_VERSION);
            writeParameters(out, s.policy());
            writeParameters(out, s.reference());
            Adam.State adam = s.adam();
            out.writeLong(adam.step());
            writeArrays(out, adam.firstMoments());
            writeArrays(out, adam.secondMoments());
            out.writeLong(s.scheduleStep());
            out.writeLong(s.updateCount());
            out.writeLong(s.skippedUpdates());
            byte[] rng = s.rngState();
            out.writeInt(rng.length);
            out.write(rng);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Decodes bytes written by {@link #encode}. */
    public static GrpoLearnerState decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int format = in.readInt();
            if (format != FORMAT_VERSION) {
                throw new IllegalStateException("unknown learner state format " + format + " (this build reads "
                        + FORMAT_VERSION + ")");
            }
            PolicyParameters policy = readParameters(in);
            PolicyParameters reference = readParameters(in);
            long step = in.readLong();
            Map<String, double[]> first = readArrays(in);
            Map<String, double[]> second = readArrays(in);
            long scheduleStep = in.readLong();
            long updates = in.readLong();
            long skipped = in.readLong();
            // Counters only ever grow from 0 by one; a negative one is a corrupt or hostile state
            // whose arithmetic would go on from a wrapped value.
            requireCounter("Adam step", step);
            requireCounter("schedule step", scheduleStep);
            requireCounter("update count", updates);
            requireCounter("skipped updates", skipped);
            int rngLength = in.readInt();
            if (rngLength < 0 || rngLength > in.available()) {
                throw new IllegalStateException("corrupt learner state: generator state of " + rngLength
                        + " bytes, " + in.available() + " left");
            }
            byte[] rng = new byte[rngLength];
            in.readFully(rng);
            return new GrpoLearnerState(policy, reference, new Adam.State(step, first, second), scheduleStep,
                    updates, skipped, rng);
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt learner state", e);
        }
    }

    private static void requireCounter(String name, long value) {
        if (value < 0 || value == Long.MAX_VALUE) {
            throw new IllegalStateException("corrupt learner state: " + name + " = " + value
                    + " (counters are in [0, Long.MAX_VALUE))");
        }
    }

    private static void writeParameters(DataOutputStream out, PolicyParameters p) throws IOException {
        out.writeInt(p.size());
        for (String name : p.names()) {
            out.writeUTF(name);
            int[] shape = p.shape(name);
            out.writeInt(shape.length);
            for (int d : shape) {
                out.writeInt(d);
            }
            writeDoubles(out, p.valuesView(name));
        }
    }

    private static PolicyParameters readParameters(DataInputStream in) throws IOException {
        PolicyParameters.Builder b = PolicyParameters.builder();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            String name = in.readUTF();
            int[] shape = new int[in.readInt()];
            for (int k = 0; k < shape.length; k++) {
                shape[k] = in.readInt();
            }
            b.put(name, shape, readDoubles(in));
        }
        return b.build();
    }

    private static void writeArrays(DataOutputStream out, Map<String, double[]> arrays) throws IOException {
        out.writeInt(arrays.size());
        for (Map.Entry<String, double[]> e : arrays.entrySet()) {
            out.writeUTF(e.getKey());
            writeDoubles(out, e.getValue());
        }
    }

    private static Map<String, double[]> readArrays(DataInputStream in) throws IOException {
        int n = in.readInt();
        Map<String, double[]> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put(in.readUTF(), readDoubles(in));
        }
        return m;
    }

    private static void writeDoubles(DataOutputStream out, double[] v) throws IOException {
        out.writeInt(v.length);
        for (double d : v) {
            out.writeDouble(d);
        }
    }

    private static double[] readDoubles(DataInputStream in) throws IOException {
        double[] v = new double[in.readInt()];
        for (int i = 0; i < v.length; i++) {
            v[i] = in.readDouble();
        }
        return v;
    }
}
