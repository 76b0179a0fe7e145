package io.grade.model.policy;

import java.util.Arrays;
import java.util.Map;

/**
 * The policy's forward pass pi(x) on plain arrays (docs/SPEC.md section 4), shared by serving and
 * the learner's tests; serving computes exactly what the learner trained.
 *
 * <pre>
 *   h_e = relu(W_e x + b_e)           e = 0..E-1, each H
 *   g   = softmax(W_g x + b_g)        E
 *   m   = sum_e g_e h_e               H
 *   t   = relu(W_t m + b_t)           T
 *   logits = W_o t + b_o              n
 *   pi  = (1 - n eps) softmax(logits) + eps
 * </pre>
 *
 * <p>Immutable and thread-safe. Intermediate vectors live in a {@link Scratch}: the methods that
 * take one allocate nothing (the caller owns the scratch and must not share it between threads at
 * the same time); the methods without one use a per-thread scratch held by this instance.
 */
public final class PolicyForward {

    private final PolicyArchitecture arch;
    /**
     * The gate (E rows) and all experts (E*H rows) stacked into one E + E*H x d layer, stored
     * column-major ({@code [c * rows + r]}, see {@link #affineColumns}); biases in the same row order.
     */
    private final double[] inputWt;
    private final double[] inputB;
    /** Tower layer T x H, column-major. */
    private final double[] towerWt;
    private final double[] towerB;
    /** Output layer n x T, row-major (n is small: four register chains beat a short vector). */
    private final double[] outW;
    private final double[] outB;
    private final ThreadLocal<Scratch> perThread;

    /**
     * @throws IllegalArgumentException when {@code params} does not hold exactly the tensors of
     *     {@code arch} with the right shapes
     */
    public PolicyForward(PolicyArchitecture arch, PolicyParameters params) {
        this.arch = arch;
        Map<String, int[]> shapes = arch.parameterShapes();
        if (!params.names().equals(shapes.keySet())) {
            throw new IllegalArgumentException("parameters " + params.names() + " do not match the architecture's "
                    + shapes.keySet());
        }
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            if (!Arrays.equals(params.shape(e.getKey()), e.getValue())) {
                throw new IllegalArgumentException("parameter " + e.getKey() + " has shape "
                        + Arrays.toString(params.shape(e.getKey())) + ", architecture needs " + Arrays.toString(e.getValue()));
            }
        }
        int experts = arch.experts();
        int hidden = arch.hidden();
        int d = arch.featureDim();
        int inputRows = experts + experts * hidden;
        inputWt = new double[inputRows * d];
        inputB = new double[inputRows];
        putColumnMajor(params.valuesView(PolicyArchitecture.GATE_W), experts, d, inputWt, 0, inputRows);
        System.arraycopy(params.valuesView(PolicyArchitecture.GATE_B), 0, inputB, 0, experts);
        for (int e = 0; e < experts; e++) {
            int row0 = experts + e * hidden;
            putColumnMajor(params.valuesView(PolicyArchitecture.expertWeight(e)), hidden, d, inputWt, row0, inputRows);
            System.arraycopy(params.valuesView(PolicyArchitecture.expertBias(e)), 0, inputB, row0, hidden);
        }
        towerWt = new double[arch.tower() * hidden];
        putColumnMajor(params.valuesView(PolicyArchitecture.TOWER_W), arch.tower(), hidden, towerWt, 0, arch.tower());
        towerB = params.values(PolicyArchitecture.TOWER_B);
        outW = params.values(PolicyArchitecture.OUT_W);
        outB = params.values(PolicyArchitecture.OUT_B);
        perThread = ThreadLocal.withInitial(this::newScratch);
    }

    /** Copies a row-major rows x cols matrix into rows {@code row0..} of a column-major one with {@code totalRows}. */
    private static void putColumnMajor(double[] w, int rows, int cols, double[] dst, int row0, int totalRows) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                dst[c * totalRows + row0 + r] = w[r * cols + c];
            }
        }
    }

    /** The architecture this forward pass computes. */
    public PolicyArchitecture architecture() {
        return arch;
    }

    /** A fresh scratch sized for this architecture. */
    public Scratch newScratch() {
        return new Scratch(arch);
    }

    /** Writes pi(x) (n weights on the simplex, each >= eps) into {@code out}; uses a per-thread scratch. */
    public void weights(double[] x, double[] out) {
        weights(x, out, perThread.get());
    }

    /** Writes pi(x) into {@code out}, using the caller's scratch. */
    public void weights(double[] x, double[] out, Scratch scratch) {
        checkOut(out);
        logits(x, scratch.logits, scratch);
        toWeights(scratch.logits, out);
    }

    /** pi(x) for float features (as Avro events carry them); uses a per-thread scratch. */
    public void weights(float[] x, double[] out) {
        weights(x, out, perThread.get());
    }

    /** pi(x) for float features, using the caller's scratch. */
    public void weights(float[] x, double[] out, Scratch scratch) {
        weights(scratch.widen(x), out, scratch);
    }

    /** Writes the pre-softmax logits (n) into {@code out}; uses a per-thread scratch. */
    public void logits(double[] x, double[] out) {
        logits(x, out, perThread.get());
    }

    /** Logits for float features; uses a per-thread scratch. */
    public void logits(float[] x, double[] out) {
        Scratch s = perThread.get();
        logits(s.widen(x), out, s);
    }

    /** Writes the logits into {@code out}, using the caller's scratch. */
    public void logits(double[] x, double[] out, Scratch scratch) {
        int d = arch.featureDim();
        int experts = arch.experts();
        int hidden = arch.hidden();
        int tower = arch.tower();
        int tasks = arch.tasks();
        if (x.length != d) {
            throw new IllegalArgumentException("x has " + x.length + " features, the policy expects " + d);
        }
        checkOut(out);
        // one pass over x for the gate and every expert: rows 0..E-1 are the gate, then E blocks of H
        double[] a = scratch.input;
        affineColumns(inputWt, inputB, x, experts + experts * hidden, d, a);
        softmaxInPlace(a, experts);
        double[] m = scratch.mixture;
        Arrays.fill(m, 0.0);
        for (int e = 0; e < experts; e++) {
            double ge = a[e];
            int off = experts + e * hidden;
            for (int i = 0; i < hidden; i++) {
                // branch-free ReLU: about half the units are active, so an if mispredicts constantly
                m[i] += ge * Math.max(a[off + i], 0.0);
            }
        }
        double[] t = scratch.tower;
        affineColumns(towerWt, towerB, m, tower, hidden, t);
        for (int i = 0; i < tower; i++) {
            t[i] = Math.max(t[i], 0.0);
        }
        affine(outW, outB, t, tasks, tower, out);
    }

    /** pi = (1 - n eps) softmax(logits) + eps, written into {@code out} (may alias {@code logits}). */
    public void toWeights(double[] logits, double[] out) {
        int tasks = arch.tasks();
        double eps = arch.epsilonFloor();
        if (out != logits) {
            System.arraycopy(logits, 0, out, 0, tasks);
        }
        softmaxInPlace(out, tasks);
        double scale = 1.0 - tasks * eps;
        for (int k = 0; k < tasks; k++) {
            out[k] = scale * out[k] + eps;
        }
    }

    private void checkOut(double[] out) {
        if (out.length != arch.tasks()) {
            throw new IllegalArgumentException("out has length " + out.length + ", the policy has " + arch.tasks()
                    + " tasks");
        }
    }

    /**
     * out = W v + b with W stored column-major ({@code wt[c * rows + r]}): out starts as b and each
     * column adds w_rc v_c to every row, four columns per pass over out. Each sum is still
     * b_r + w_r0 v_0 + w_r1 v_1 + ... in that order (no fused multiply-add: Java rounds the product
     * and the sum separately), so results are bit-identical to the plain row-by-row loop; the inner
     * loop runs over contiguous rows, which the JIT turns into vector instructions.
     */
    private static void affineColumns(double[] wt, double[] b, double[] v, int rows, int cols, double[] out) {
        System.arraycopy(b, 0, out, 0, rows);
        int c = 0;
        for (; c + 3 < cols; c += 4) {
            double v0 = v[c];
            double v1 = v[c + 1];
            double v2 = v[c + 2];
            double v3 = v[c + 3];
            int o0 = c * rows;
            int o1 = o0 + rows;
            int o2 = o1 + rows;
            int o3 = o2 + rows;
            for (int r = 0; r < rows; r++) {
                double s = out[r] + wt[o0 + r] * v0;
                s += wt[o1 + r] * v1;
                s += wt[o2 + r] * v2;
                out[r] = s + wt[o3 + r] * v3;
            }
        }
        for (; c < cols; c++) {
            double vc = v[c];
            int o = c * rows;
            for (int r = 0; r < rows; r++) {
                out[r] += wt[o + r] * vc;
            }
        }
    }

    /**
     * out = W v + b with W rows x cols row-major, eight (then four) output rows at a time: each input
     * value is loaded once for several rows and the sums are independent chains the CPU overlaps. Each sum
     * is still b_r + w_r0 v_0 + w_r1 v_1 + ... in that order, so results are bit-identical to the
     * plain loop. Used for the n-row output layer, too short for {@link #affineColumns}.
     */
    private static void affine(double[] w, double[] b, double[] v, int rows, int cols, double[] out) {
        int r = 0;
        for (; r + 7 < rows; r += 8) {
            int o0 = r * cols;
            double s0 = b[r];
            double s1 = b[r + 1];
            double s2 = b[r + 2];
            double s3 = b[r + 3];
            double s4 = b[r + 4];
            double s5 = b[r + 5];
            double s6 = b[r + 6];
            double s7 = b[r + 7];
            for (int c = 0; c < cols; c++) {
                double vc = v[c];
                int i = o0 + c;
                s0 += w[i] * vc;
                s1 += w[i + cols] * vc;
                s2 += w[i + 2 * cols] * vc;
                s3 += w[i + 3 * cols] * vc;
                s4 += w[i + 4 * cols] * vc;
                s5 += w[i + 5 * cols] * vc;
                s6 += w[i + 6 * cols] * vc;
                s7 += w[i + 7 * cols] * vc;
            }
            out[r] = s0;
            out[r + 1] = s1;
            out[r + 2] = s2;
            out[r + 3] = s3;
            out[r + 4] = s4;
            out[r + 5] = s5;
            out[r + 6] = s6;
            out[r + 7] = s7;
        }
        for (; r + 3 < rows; r += 4) {
            int o0 = r * cols;
            int o1 = o0 + cols;
            int o2 = o1 + cols;
            int o3 = o2 + cols;
            double s0 = b[r];
            double s1 = b[r + 1];
            double s2 = b[r + 2];
            double s3 = b[r + 3];
            for (int c = 0; c < cols; c++) {
                double vc = v[c];
                s0 += w[o0 + c] * vc;
                s1 += w[o1 + c] * vc;
                s2 += w[o2 + c] * vc;
                s3 += w[o3 + c] * vc;
            }
            out[r] = s0;
            out[r + 1] = s1;
            out[r + 2] = s2;
            out[r + 3] = s3;
        }
        for (; r < rows; r++) {
            int off = r * cols;
            double s = b[r];
            for (int c = 0; c < cols; c++) {
                s += w[off + c] * v[c];
            }
            out[r] = s;
        }
    }

    /** Numerically stable softmax over the first {@code len} entries, in place. */
    static void softmaxInPlace(double[] a, int len) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < len; i++) {
            max = Math.max(max, a[i]);
        }
        double sum = 0;
        for (int i = 0; i < len; i++) {
            a[i] = Math.exp(a[i] - max);
            sum += a[i];
        }
        for (int i = 0; i < len; i++) {
            a[i] /= sum;
        }
    }

    /** Per-call working memory of the forward pass; not thread-safe. */
    public static final class Scratch {
        private final double[] input;
        private final double[] mixture;
        private final double[] tower;
        private final double[] logits;
        private final double[] features;

        private Scratch(PolicyArchitecture arch) {
            input = new double[arch.experts() + arch.experts() * arch.hidden()];
            mixture = new double[arch.hidden()];
            tower = new double[arch.tower()];
            logits = new double[arch.tasks()];
            features = new double[arch.featureDim()];
        }

        private double[] widen(float[] x) {
            if (x.length != features.length) {
                throw new IllegalArgumentException("x has " + x.length + " features, the policy expects "
                        + features.length);
            }
            for (int i = 0; i < x.length; i++) {
                features[i] = x[i];
            }
            return features;
        }
    }
}
