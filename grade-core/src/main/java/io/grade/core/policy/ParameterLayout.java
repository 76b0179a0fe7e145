package io.grade.core.policy;

import io.grade.model.policy.PolicyArchitecture;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Where each parameter tensor of a {@link PolicyNetwork} lives in one flat, contiguous buffer.
 * Parameters, gradients and the optimiser's moments all use this layout, so that the optimiser,
 * gradient clipping and the finiteness checks are one native op over the whole buffer instead of
 * one per tensor (ND4J's per-op overhead, not arithmetic, dominates at these sizes).
 *
 * <p>The order inside the buffer is an implementation detail (the experts' weights are stacked so
 * one matmul handles all of them); everything outside sees tensors by their canonical names only,
 * so checkpoints and snapshots are unaffected. Immutable.
 */
public final class ParameterLayout {

    private final PolicyArchitecture arch;
    private final Map<String, Slot> slots;
    private final int length;
    private final int stackedWeightRows;
    private final int featureDim;
    private final int experts;
    private final int hidden;

    /** Offset and shape of one tensor in the buffer. */
    private record Slot(int offset, int[] shape, int length) {}

    ParameterLayout(PolicyArchitecture arch) {
        this.arch = arch;
        int d = arch.featureDim();
        this.experts = arch.experts();
        this.hidden = arch.hidden();
        this.featureDim = d;
        this.stackedWeightRows = experts * hidden;
        // buffer order: all experts' W (E*H x d), all experts' b (E*H), then the other tensors
        Map<String, Integer> offsets = new LinkedHashMap<>();
        int off = 0;
        for (int e = 0; e < experts; e++) {
            offsets.put(PolicyArchitecture.expertWeight(e), off);
            off += hidden * d;
        }
        for (int e = 0; e < experts; e++) {
            offsets.put(PolicyArchitecture.expertBias(e), off);
            off += hidden;
        }
        Map<String, int[]> shapes = arch.parameterShapes();
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            if (!offsets.containsKey(e.getKey())) {
                offsets.put(e.getKey(), off);
                off += size(e.getValue());
            }
        }
        Map<String, Slot> s = new LinkedHashMap<>();
        // canonical order, as PolicyArchitecture.parameterShapes lists the tensors
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            s.put(e.getKey(), new Slot(offsets.get(e.getKey()), e.getValue().clone(), size(e.getValue())));
        }
        this.slots = Collections.unmodifiableMap(s);
        this.length = off;
    }

    /** Total number of parameters. */
    public int length() {
        return length;
    }

    /** Tensor names in canonical order. */
    public Set<String> names() {
        return slots.keySet();
    }

    /** A new zero buffer of {@link #length()} doubles. */
    public INDArray newBuffer() {
        return Nd4j.zeros(DataType.DOUBLE, length);
    }

    /** Live views of every tensor of {@code flat} (a buffer of this layout), canonical order. */
    public Map<String, INDArray> views(INDArray flat) {
        checkBuffer(flat);
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (Map.Entry<String, Slot> e : slots.entrySet()) {
            m.put(e.getKey(), view(flat, e.getValue()));
        }
        return Collections.unmodifiableMap(m);
    }

    /** The view of one tensor of {@code flat}. */
    public INDArray view(INDArray flat, String name) {
        Slot s = slots.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no parameter '" + name + "' in the layout " + slots.keySet());
        }
        return view(flat, s);
    }

    /** All experts' weights stacked (E*H x d), a live view of {@code flat}. */
    INDArray stackedExpertWeights(INDArray flat) {
        long from = slots.get(PolicyArchitecture.expertWeight(0)).offset();
        return flat.get(NDArrayIndex.interval(from, from + (long) stackedWeightRows * featureDim))
                .reshape('c', stackedWeightRows, featureDim);
    }

    /** All experts' biases stacked (E*H), a live view of {@code flat}. */
    INDArray stackedExpertBiases(INDArray flat) {
        long from = slots.get(PolicyArchitecture.expertBias(0)).offset();
        return flat.get(NDArrayIndex.interval(from, from + (long) experts * hidden));
    }

    /** Throws unless {@code flat} is a contiguous DOUBLE vector of {@link #length()} entries. */
    public void checkBuffer(INDArray flat) {
        if (flat == null || flat.dataType() != DataType.DOUBLE || flat.rank() != 1 || flat.length() != length) {
            throw new IllegalArgumentException("expected a DOUBLE vector of " + length + " parameters, got "
                    + (flat == null ? "null" : flat.dataType() + " " + Arrays.toString(flat.shape())));
        }
    }

    /** Layouts are equal when made for equal architectures (the layout is a function of it). */
    @Override
    public boolean equals(Object o) {
        return o instanceof ParameterLayout l && l.arch.equals(arch);
    }

    @Override
    public int hashCode() {
        return arch.hashCode();
    }

    private static INDArray view(INDArray flat, Slot s) {
        INDArray v = flat.get(NDArrayIndex.interval(s.offset(), s.offset() + s.length()));
        return s.shape().length == 1 ? v : v.reshape('c', toLong(s.shape()));
    }

    private static int size(int[] shape) {
        int n = 1;
        for (int v : shape) {
            n *= v;
        }
        return n;
    }

    private static long[] toLong(int[] shape) {
        long[] out = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            out[i] = shape[i];
        }
        return out;
    }
}
