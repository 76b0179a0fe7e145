package io.grade.core.optim;

import io.grade.core.policy.Gradients;
import io.grade.core.policy.ParameterLayout;
import io.grade.core.policy.Nd4jRuntime;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;

/**
 * Adam optimiser (Kingma and Ba, 2015) with bias correction, updating parameter arrays in place.
 *
 * <p>State (first and second moments per tensor, step count) is created lazily at the first
 * {@link #step} and can be exported to and imported from plain double arrays, so a Flink operator
 * can checkpoint it without ND4J types in state. Not thread-safe: one optimiser per learner.
 */
public final class Adam {

    /** Default exponential decay of the first moment. */
    public static final double DEFAULT_BETA1 = 0.9;
    /** Default exponential decay of the second moment. */
    public static final double DEFAULT_BETA2 = 0.999;
    /** Default denominator guard. */
    public static final double DEFAULT_EPSILON = 1e-8;

    private double learningRate;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final Map<String, INDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, INDArray> secondMoments = new LinkedHashMap<>();
    /** Per-tensor output buffer of the fused update op, reused across steps. */
    private final Map<String, INDArray> updates = new LinkedHashMap<>();
    private long step;
    /**
     * The layout the moments are stored flat in (then the maps above hold views of
     * {@link #firstFlat} and {@link #secondFlat}), or null when they are separate arrays.
     */
    private ParameterLayout flatLayout;
    private INDArray firstFlat;
    private INDArray secondFlat;
    private INDArray updateFlat;

    /** Adam with the default betas and epsilon. */
    public Adam(double learningRate) {
        this(learningRate, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPSILON);
    }

    /** Adam with explicit hyper-parameters. */
    public Adam(double learningRate, double beta1, double beta2, double epsilon) {
        requirePositive(learningRate, "learningRate");
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
        }
        requirePositive(epsilon, "epsilon");
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        Nd4jRuntime.configureForSmallMatrices();
    }

    /**
     * One Adam step: {@code p -= lr * mHat / (sqrt(vHat) + eps)} for every tensor, in place.
     *
     * <p>The caller decides what to do with non-finite gradients (GRPO skips the step); this method
     * rejects them, so moments never become NaN.
     *
     * @param params live parameter arrays (e.g. {@code PolicyNetwork.parameterArrays()})
     * @param grads gradients with the same names and shapes
     */
    public void step(Map<String, INDArray> params, Gradients grads) {
        if (!params.keySet().equals(grads.names())) {
            throw new IllegalArgumentException("parameters " + params.keySet() + " and gradients " + grads.names()
                    + " differ");
        }
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray g = grads.get(e.getKey());
            if (!Arrays.equals(e.getValue().shape(), g.shape())) {
                throw new IllegalArgumentException("shape of gradient " + e.getKey() + " " + Arrays.toString(g.shape())
                        + " differs from parameter " + Arrays.toString(e.getValue().shape()));
            }
        }
        if (!grads.isFinite()) {
            throw new IllegalArgumentException("non-finite gradient: the caller must skip this step");
        }
        step++;
        double bias2 = 1 - Math.pow(beta2, step);
        // ND4J's fused adam_updater computes lr*sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps'): passing
        // eps' = eps*sqrt(1-b2^t) makes that exactly the textbook lr * mHat / (sqrt(vHat) + eps).
        // One native op per tensor instead of a dozen: op overhead dominates at these sizes.
        double epsHat = epsilon * Math.sqrt(bias2);
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            String name = e.getKey();
            INDArray p = e.getValue();
            INDArray g = grads.get(name);
            INDArray m = firstMoments.computeIfAbsent(name, k -> persistentZeros(p.shape()));
            INDArray v = secondMoments.computeIfAbsent(name, k -> persistentZeros(p.shape()));
            INDArray update = updates.computeIfAbsent(name, k -> persistentZeros(p.shape()));
            // the op's iteration is 0-based: it raises the betas to (iteration + 1)
            Nd4j.exec(new AdamUpdater(g, v, m, update, v, m, learningRate, beta1, beta2, epsHat, (int) (step - 1)));
            p.subi(update);
        }
    }

    /**
     * The same Adam step as {@link #step(Map, Gradients)} on parameters stored in one flat buffer
     * (e.g. {@code PolicyNetwork.parameterBuffer()}) with gradients in a buffer of the same layout:
     * one fused native op for all tensors instead of two per tensor. Per entry the arithmetic is
     * identical, so both paths give the same parameters; the moments are kept flat from then on
     * (still exported and imported per tensor name).
     *
     * @throws IllegalArgumentException when the gradients are not flat with {@code layout} or not finite
     */
    public void step(INDArray flatParams, ParameterLayout layout, Gradients grads) {
        layout.checkBuffer(flatParams);
        if (grads.flat() == null || !layout.equals(grads.layout())) {
            throw new IllegalArgumentException("gradients must be one flat buffer with the parameters' layout");
        }
        if (!grads.isFinite()) {
            throw new IllegalArgumentException("non-finite gradient: the caller must skip this step");
        }
        useFlatMoments(layout);
        step++;
        double epsHat = epsilon * Math.sqrt(1 - Math.pow(beta2, step));
        Nd4j.exec(new AdamUpdater(grads.flat(), secondFlat, firstFlat, updateFlat, secondFlat, firstFlat, learningRate,
                beta1, beta2, epsHat, (int) (step - 1)));
        flatParams.subi(updateFlat);
    }

    /**
     * Moves the moments into flat buffers of {@code layout}, keeping their values (tensors without
     * moments yet start at 0, as a lazily created moment would).
     */
    private void useFlatMoments(ParameterLayout layout) {
        if (layout.equals(flatLayout)) {
            return;
        }
        for (String name : firstMoments.keySet()) {
            if (!layout.names().contains(name)) {
                throw new IllegalArgumentException("optimiser has moments for " + name + ", not in the parameters "
                        + layout.names());
            }
        }
        INDArray m = persistentZeros(layout.length());
        INDArray v = persistentZeros(layout.length());
        Map<String, INDArray> mViews = layout.views(m);
        Map<String, INDArray> vViews = layout.views(v);
        for (String name : layout.names()) {
            INDArray oldM = firstMoments.get(name);
            if (oldM != null) {
                mViews.get(name).assign(oldM);
                vViews.get(name).assign(secondMoments.get(name));
            }
        }
        firstMoments.clear();
        firstMoments.putAll(mViews);
        secondMoments.clear();
        secondMoments.putAll(vViews);
        updates.clear();
        firstFlat = m;
        secondFlat = v;
        updateFlat = persistentZeros(layout.length());
        flatLayout = layout;
    }

    /**
     * A copy of the whole state for an immediate {@link #restore} (e.g. undoing an update that
     * turned out non-finite): two array copies when the moments are flat, made in the caller's
     * current ND4J memory scope (so inside the learner's per-update workspace they are cheap and
     * must not be kept beyond it). Not a checkpoint format; use {@link #exportState()} for that.
     */
    public Snapshot snapshot() {
        if (flatLayout != null) {
            return new Snapshot(step, flatLayout, firstFlat.dup(), secondFlat.dup(), null);
        }
        return new Snapshot(step, null, null, null, exportState());
    }

    /** Returns to the state of {@code snapshot}; {@code params} as for {@link #importState}. */
    public void restore(Snapshot snapshot, Map<String, INDArray> params) {
        if (snapshot.layout == null) {
            importState(snapshot.state, params);
            return;
        }
        useFlatMoments(snapshot.layout);
        firstFlat.assign(snapshot.first);
        secondFlat.assign(snapshot.second);
        step = snapshot.step;
    }

    /** An in-memory copy of the optimiser state, see {@link #snapshot()}. */
    public static final class Snapshot {
        private final long step;
        private final ParameterLayout layout;
        private final INDArray first;
        private final INDArray second;
        private final State state;

        private Snapshot(long step, ParameterLayout layout, INDArray first, INDArray second, State state) {
            this.step = step;
            this.layout = layout;
            this.first = first;
            this.second = second;
            this.state = state;
        }
    }

    /** Current learning rate. */
    public double learningRate() {
        return learningRate;
    }

    /** Changes the learning rate (schedules); the moments are kept. */
    public void setLearningRate(double learningRate) {
        requirePositive(learningRate, "learningRate");
        this.learningRate = learningRate;
    }

    /** Number of steps taken. */
    public long stepCount() {
        return step;
    }

    /** A copy of the optimiser state as plain arrays (for checkpoints). */
    public State exportState() {
        Map<String, double[]> m = new LinkedHashMap<>();
        Map<String, double[]> v = new LinkedHashMap<>();
        firstMoments.forEach((k, a) -> m.put(k, a.dup().data().asDouble()));
        secondMoments.forEach((k, a) -> v.put(k, a.dup().data().asDouble()));
        return new State(step, m, v);
    }

    /**
     * Replaces the optimiser state with {@code state}; the moments take their shapes from
     * {@code params} (the arrays the optimiser will update).
     */
    public void importState(State state, Map<String, INDArray> params) {
        if (!state.firstMoments().keySet().equals(state.secondMoments().keySet())) {
            throw new IllegalArgumentException("first and second moments name different tensors");
        }
        Map<String, INDArray> m = new LinkedHashMap<>();
        Map<String, INDArray> v = new LinkedHashMap<>();
        for (String name : state.firstMoments().keySet()) {
            INDArray p = params.get(name);
            if (p == null) {
                throw new IllegalArgumentException("state has moments for unknown parameter " + name);
            }
            m.put(name, fromState(state.firstMoments().get(name), p, name));
            v.put(name, fromState(state.secondMoments().get(name), p, name));
        }
        firstMoments.clear();
        firstMoments.putAll(m);
        secondMoments.clear();
        secondMoments.putAll(v);
        updates.clear();
        // the moments are separate arrays again; a flat step re-flattens them
        flatLayout = null;
        firstFlat = null;
        secondFlat = null;
        updateFlat = null;
        step = state.step();
    }

    private static INDArray fromState(double[] values, INDArray like, String name) {
        if (values.length != like.length()) {
            throw new IllegalArgumentException("moment " + name + " has " + values.length + " values, parameter has "
                    + like.length());
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Nd4j.create(values.clone(), like.shape(), 'c');
        }
    }

    /**
     * Zeros for state that outlives the current call: allocated outside any ND4J workspace the
     * caller may have open (the learner runs each update in one, which is reset afterwards).
     */
    private static INDArray persistentZeros(long... shape) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Nd4j.zeros(DataType.DOUBLE, shape);
        }
    }

    private static void requirePositive(double v, String name) {
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException(name + " must be positive and finite, got " + v);
        }
    }

    /**
     * Adam state as plain row-major arrays keyed by parameter name.
     *
     * @param step steps taken so far
     * @param firstMoments m per tensor
     * @param secondMoments v per tensor
     */
    public record State(long step, Map<String, double[]> firstMoments, Map<String, double[]> secondMoments) {
        /** Defensive, order-preserving copies. */
        public State {
            if (step < 0) {
                throw new IllegalArgumentException("step must be >= 0, got " + step);
            }
            firstMoments = copy(firstMoments);
            secondMoments = copy(secondMoments);
        }

        private static Map<String, double[]> copy(Map<String, double[]> in) {
            Map<String, double[]> out = new LinkedHashMap<>();
            in.forEach((k, a) -> out.put(k, a.clone()));
            return Collections.unmodifiableMap(out);
        }
    }
}
