package io.grade.core.policy;

import io.grade.model.policy.PolicyArchitecture;
import io.grade.model.policy.PolicyParameters;
import java.util.Arrays;
import java.util.Map;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;
import org.apache.commons.rng.simple.RandomSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.SoftmaxBp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The MMoE-like policy network pi_theta(x) on ND4J in double precision, with a batched forward pass
 * and a hand-written backward pass (docs/SPEC.md section 4; same maths as
 * {@link io.grade.model.policy.PolicyForward}, which serving uses).
 *
 * <p>Backward follows the forward caches: with S = softmax(logits) and pi = (1 - n eps) S + eps,
 * dL/dlogits = S * (dS - rowsum(dS * S)) for dS = (1 - n eps) dL/dpi; the gate's softmax is
 * differentiated the same way, and the mixture m = sum_e g_e h_e gives dL/dg_e = rowsum(dL/dm *
 * h_e) and dL/dh_e = g_e * dL/dm. ReLU passes gradient where its input is > 0. Gradients are sums
 * over the batch: the caller's dLoss already carries any 1/B.
 *
 * <p>Not thread-safe: one network per learner thread ({@link #copy()} for a frozen old/reference
 * policy). {@link #backward} must see the parameters {@link #forward} used: do not update in between.
 */
public final class PolicyNetwork {

    /** Standard deviation of the output layer's initial weights: small, so the initial pi is close to uniform. */
    public static final double OUT_INIT_STD = 0.01;

    static {
        Nd4jRuntime.configureForSmallMatrices();
    }

    private final PolicyArchitecture arch;
    private final ParameterLayout layout;
    /** Every parameter in one contiguous buffer (see {@link ParameterLayout}); the named tensors are views. */
    private final INDArray flat;
    private final Map<String, INDArray> params;
    /** All experts' weights stacked (E*H x d); expert{e}.W is the row block e, a live view. */
    private final INDArray expertWAll;
    /** All experts' biases stacked (E*H); expert{e}.b is a live view. */
    private final INDArray expertBAll;
    private final INDArray gateW;
    private final INDArray gateB;
    private final INDArray towerW;
    private final INDArray towerB;
    private final INDArray outW;
    private final INDArray outB;

    /**
     * A freshly initialised network: He-normal weights for the ReLU layers (experts, tower),
     * Xavier-normal for the gate (starts close to an even expert mix), N(0, {@value #OUT_INIT_STD}^2)
     * for the output layer so the cold-start pi is close to uniform, zero biases.
     */
    public PolicyNetwork(PolicyArchitecture arch, long seed) {
        this(arch, initialParameters(arch, seed));
    }

    /** A network holding a copy of {@code p}, which must have exactly the architecture's tensors and shapes. */
    public PolicyNetwork(PolicyArchitecture arch, PolicyParameters p) {
        this.arch = arch;
        // experts are stored stacked so the forward and backward passes handle all of them with one
        // matmul each, and every tensor lives in one flat buffer so the optimiser, clipping and
        // finiteness checks are one op each (op overhead, not arithmetic, dominates at these sizes);
        // the named tensors are views, so callers still see one array per canonical name
        this.layout = new ParameterLayout(arch);
        this.flat = layout.newBuffer();
        this.params = layout.views(flat);
        this.expertWAll = layout.stackedExpertWeights(flat);
        this.expertBAll = layout.stackedExpertBiases(flat);
        gateW = params.get(PolicyArchitecture.GATE_W);
        gateB = params.get(PolicyArchitecture.GATE_B);
        towerW = params.get(PolicyArchitecture.TOWER_W);
        towerB = params.get(PolicyArchitecture.TOWER_B);
        outW = params.get(PolicyArchitecture.OUT_W);
        outB = params.get(PolicyArchitecture.OUT_B);
        setParameters(p);
    }

    /** The architecture. */
    public PolicyArchitecture architecture() {
        return arch;
    }

    /** A copy of the current parameters as plain arrays, canonical order. */
    public PolicyParameters parameters() {
        PolicyParameters.Builder b = PolicyParameters.builder();
        for (Map.Entry<String, int[]> e : arch.parameterShapes().entrySet()) {
            b.put(e.getKey(), e.getValue(), params.get(e.getKey()).dup('c').data().asDouble());
        }
        return b.build();
    }

    /**
     * Overwrites the parameters in place (the arrays from {@link #parameterArrays()} stay valid).
     *
     * @throws IllegalArgumentException when {@code p} does not match the architecture
     */
    public void setParameters(PolicyParameters p) {
        Map<String, int[]> shapes = arch.parameterShapes();
        if (!p.names().equals(shapes.keySet())) {
            throw new IllegalArgumentException("parameters " + p.names() + " do not match the architecture's "
                    + shapes.keySet());
        }
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            if (!Arrays.equals(p.shape(e.getKey()), e.getValue())) {
                throw new IllegalArgumentException("parameter " + e.getKey() + " has shape "
                        + Arrays.toString(p.shape(e.getKey())) + ", architecture needs " + Arrays.toString(e.getValue()));
            }
        }
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            INDArray values = Nd4j.create(p.values(e.getKey()), toLong(e.getValue()), 'c');
            params.get(e.getKey()).assign(values);
        }
    }

    /** A deep copy (e.g. the frozen old or reference policy of GRPO). */
    public PolicyNetwork copy() {
        return new PolicyNetwork(arch, parameters());
    }

    /** Live parameter arrays in canonical order, for the optimiser to update in place. */
    public Map<String, INDArray> parameterArrays() {
        return params;
    }

    /** Where each tensor lives in {@link #parameterBuffer()} (and in the buffer of {@link #backward}'s gradients). */
    public ParameterLayout layout() {
        return layout;
    }

    /**
     * Every parameter in one live, contiguous vector laid out by {@link #layout()}: updating it in
     * place updates the network (and {@link #parameterArrays()}, which are views of it).
     */
    public INDArray parameterBuffer() {
        return flat;
    }

    /** Overwrites the parameters with those of {@code other}, a network of the same architecture (one copy op). */
    public void copyParametersFrom(PolicyNetwork other) {
        if (!other.arch.equals(arch)) {
            throw new IllegalArgumentException("architectures differ: " + other.arch + " vs " + arch);
        }
        flat.assign(other.flat);
    }

    /** Forward pass for a batch {@code x} (B x d, DOUBLE); keeps what backward needs. */
    public ForwardPass forward(INDArray x) {
        if (x.rank() != 2 || x.columns() != arch.featureDim()) {
            throw new IllegalArgumentException("x must be B x " + arch.featureDim() + ", got "
                    + Arrays.toString(x.shape()));
        }
        if (x.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("x must be DOUBLE, got " + x.dataType());
        }
        long batch = x.rows();
        INDArray gatePre = matmul(x, gateW, false, true).addiRowVector(gateB);
        INDArray gate = softmaxRows(gatePre);
        INDArray expertPre = matmul(x, expertWAll, false, true).addiRowVector(expertBAll);
        INDArray expertOut = Transforms.relu(expertPre, true);
        // m_b = sum_e g_be h_be: (B, E, H) * (B, E, 1) summed over experts
        INDArray mixture = expertOut.reshape('c', batch, arch.experts(), arch.hidden())
                .mul(gate.reshape('c', batch, arch.experts(), 1)).sum(1);
        INDArray towerPre = matmul(mixture, towerW, false, true).addiRowVector(towerB);
        INDArray towerOut = Transforms.relu(towerPre, true);
        INDArray logits = matmul(towerOut, outW, false, true).addiRowVector(outB);
        INDArray softmax = softmaxRows(logits);
        double eps = arch.epsilonFloor();
        INDArray pi = softmax.mul(1.0 - arch.tasks() * eps).addi(eps);
        return new ForwardPass(x, expertPre, expertOut, gatePre, gate, mixture, towerPre, towerOut, logits, softmax,
                pi);
    }

    /** Convenience: pi for one feature vector. */
    public double[] weights(double[] x) {
        return forward(Nd4j.create(x, new long[] {1, x.length}, 'c')).piRow(0);
    }

    /** Gradients of a loss for every parameter tensor, given dLoss/dpi (B x n). */
    public Gradients backward(ForwardPass fp, INDArray dLossDPi) {
        checkUpstream(fp, dLossDPi, "dLossDPi");
        INDArray dS = dLossDPi.mul(1.0 - arch.tasks() * arch.epsilonFloor());
        return backwardLogits(fp, softmaxBackward(fp.logits, dS));
    }

    /**
     * Gradients of a loss for every parameter tensor, given dLoss/dlogits (B x n). They are written
     * into one new buffer laid out by {@link #layout()} ({@link Gradients#flat()}).
     */
    public Gradients backwardLogits(ForwardPass fp, INDArray dLossDLogits) {
        checkUpstream(fp, dLossDLogits, "dLossDLogits");
        INDArray dLogits = dLossDLogits;
        // every entry of the buffer is written below: the matmuls and sums fill their views completely
        INDArray g = Nd4j.createUninitialized(DataType.DOUBLE, layout.length());

        matmulInto(dLogits, fp.towerOut, true, false, layout.view(g, PolicyArchitecture.OUT_W));
        dLogits.sum(layout.view(g, PolicyArchitecture.OUT_B), 0);
        INDArray dTowerPre = reluBackward(fp.towerPre, matmul(dLogits, outW, false, false));
        matmulInto(dTowerPre, fp.mixture, true, false, layout.view(g, PolicyArchitecture.TOWER_W));
        dTowerPre.sum(layout.view(g, PolicyArchitecture.TOWER_B), 0);
        INDArray dMixture = matmul(dTowerPre, towerW, false, false);

        long batch = fp.x.rows();
        int experts = arch.experts();
        int hidden = arch.hidden();
        INDArray dMixture3 = dMixture.reshape('c', batch, 1, hidden);
        // dL/dg_be = <dL/dm_b, h_be>;  dL/dh_be = g_be dL/dm_b
        INDArray dGate = fp.expertOut.reshape('c', batch, experts, hidden).mul(dMixture3).sum(2);
        INDArray dExpertPre = reluBackward(fp.expertPre, fp.gate.reshape('c', batch, experts, 1).mul(dMixture3)
                .reshape('c', batch, (long) experts * hidden));
        matmulInto(dExpertPre, fp.x, true, false, layout.stackedExpertWeights(g));
        dExpertPre.sum(layout.stackedExpertBiases(g), 0);
        INDArray dGatePre = softmaxBackward(fp.gatePre, dGate);
        matmulInto(dGatePre, fp.x, true, false, layout.view(g, PolicyArchitecture.GATE_W));
        dGatePre.sum(layout.view(g, PolicyArchitecture.GATE_B), 0);
        return new Gradients(g, layout);
    }

    private void checkUpstream(ForwardPass fp, INDArray upstream, String what) {
        if (!Arrays.equals(upstream.shape(), fp.pi.shape())) {
            throw new IllegalArgumentException(what + " must be " + Arrays.toString(fp.pi.shape()) + ", got "
                    + Arrays.toString(upstream.shape()));
        }
    }

    /**
     * Row-wise softmax into a new array, by libnd4j's fused op (which subtracts each row's max,
     * so large logits do not overflow): one native op instead of five.
     */
    static INDArray softmaxRows(INDArray a) {
        INDArray out = Nd4j.createUninitialized(DataType.DOUBLE, a.shape());
        Nd4j.exec(new SoftMax(a, out, 1));
        return out;
    }

    /**
     * Given the softmax input a (row-wise) and dL/ds for s = softmax(a), returns
     * dL/da = s * (dL/ds - rowsum(dL/ds * s)), by libnd4j's fused op (one op instead of four).
     */
    static INDArray softmaxBackward(INDArray a, INDArray dS) {
        INDArray out = Nd4j.createUninitialized(DataType.DOUBLE, a.shape());
        Nd4j.exec(new SoftmaxBp(a, dS, out, 1));
        return out;
    }

    /** dL/da = dL/dout where a > 0, else 0 (ReLU derivative; 0 at exactly 0), in one op; overwrites {@code dOut}. */
    private static INDArray reluBackward(INDArray a, INDArray dOut) {
        Nd4j.exec(new RectifiedLinearDerivative(a, dOut, dOut));
        return dOut;
    }

    /**
     * a (or a^T) times b (or b^T) into a new row-major array, by the matmul op directly: INDArray.mmul
     * computes into a column-major temporary and copies it over, one op more per product.
     */
    private static INDArray matmul(INDArray a, INDArray b, boolean transposeA, boolean transposeB) {
        long rows = transposeA ? a.columns() : a.rows();
        long cols = transposeB ? b.rows() : b.columns();
        INDArray out = Nd4j.createUninitialized(DataType.DOUBLE, rows, cols);
        return matmulInto(a, b, transposeA, transposeB, out);
    }

    /** As {@link #matmul}, into {@code out} (e.g. a view of a gradient buffer). */
    private static INDArray matmulInto(INDArray a, INDArray b, boolean transposeA, boolean transposeB, INDArray out) {
        Nd4j.exec(new Mmul(a, b, out, MMulTranspose.builder().transposeA(transposeA).transposeB(transposeB).build()));
        return out;
    }

    private static long[] toLong(int[] shape) {
        long[] out = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            out[i] = shape[i];
        }
        return out;
    }

    /** The seeded initial parameters (see {@link #PolicyNetwork(PolicyArchitecture, long)}). */
    public static PolicyParameters initialParameters(PolicyArchitecture arch, long seed) {
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
        ZigguratSampler.NormalizedGaussian gauss = ZigguratSampler.NormalizedGaussian.of(rng);
        int d = arch.featureDim();
        PolicyParameters.Builder b = PolicyParameters.builder();
        for (int e = 0; e < arch.experts(); e++) {
            b.put(PolicyArchitecture.expertWeight(e), new int[] {arch.hidden(), d},
                    gaussian(gauss, arch.hidden() * d, Math.sqrt(2.0 / d)));
            b.put(PolicyArchitecture.expertBias(e), new int[] {arch.hidden()}, new double[arch.hidden()]);
        }
        b.put(PolicyArchitecture.GATE_W, new int[] {arch.experts(), d},
                gaussian(gauss, arch.experts() * d, Math.sqrt(2.0 / (d + arch.experts()))));
        b.put(PolicyArchitecture.GATE_B, new int[] {arch.experts()}, new double[arch.experts()]);
        b.put(PolicyArchitecture.TOWER_W, new int[] {arch.tower(), arch.hidden()},
                gaussian(gauss, arch.tower() * arch.hidden(), Math.sqrt(2.0 / arch.hidden())));
        b.put(PolicyArchitecture.TOWER_B, new int[] {arch.tower()}, new double[arch.tower()]);
        b.put(PolicyArchitecture.OUT_W, new int[] {arch.tasks(), arch.tower()},
                gaussian(gauss, arch.tasks() * arch.tower(), OUT_INIT_STD));
        b.put(PolicyArchitecture.OUT_B, new int[] {arch.tasks()}, new double[arch.tasks()]);
        return b.build();
    }

    private static double[] gaussian(ZigguratSampler.NormalizedGaussian gauss, int n, double std) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = std * gauss.sample();
        }
        return v;
    }
}
