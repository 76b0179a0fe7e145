package io.grade.core.policy;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * Gradients of a loss with respect to every parameter tensor, in the canonical parameter order
 * (name to an array of the parameter's shape). {@link #scale} and {@link #add} work in place so an
 * optimiser step allocates nothing extra for accumulation or clipping.
 *
 * <p>Gradients from {@link PolicyNetwork#backward} live in one flat buffer laid out by a
 * {@link ParameterLayout} ({@link #flat()}): the norm, the scaling and the finiteness check are
 * then one native op each, and the optimiser can update all parameters at once. The named
 * arrays are views of that buffer.
 *
 * <p>An array may be a view into a larger buffer: read values with {@code getDouble},
 * {@code toDoubleVector()} or {@code dup().data()}, never {@code data()} of the view itself.
 */
public final class Gradients {

    private final INDArray flat;
    private final ParameterLayout layout;
    private Map<String, INDArray> byName;

    /** Wraps the given arrays (not copied); iteration order is the map's order. */
    public Gradients(Map<String, INDArray> byName) {
        this.flat = null;
        this.layout = null;
        this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(byName));
    }

    /** Wraps a flat gradient buffer laid out by {@code layout} (not copied). */
    public Gradients(INDArray flat, ParameterLayout layout) {
        layout.checkBuffer(flat);
        this.flat = flat;
        this.layout = layout;
    }

    /** The flat buffer holding every gradient, or null when these gradients are separate arrays. */
    public INDArray flat() {
        return flat;
    }

    /** The layout of {@link #flat()}, or null when there is no flat buffer. */
    public ParameterLayout layout() {
        return layout;
    }

    /** The gradient of one tensor; throws if the name is unknown. */
    public INDArray get(String name) {
        INDArray g = asMap().get(name);
        if (g == null) {
            throw new IllegalArgumentException("no gradient for parameter '" + name + "'");
        }
        return g;
    }

    /** Parameter names in canonical order. */
    public Set<String> names() {
        return layout != null ? layout.names() : byName.keySet();
    }

    /** Read-only view name to gradient, canonical order. */
    public Map<String, INDArray> asMap() {
        if (byName == null) {
            // the per-tensor views are only made when somebody asks for them
            byName = layout.views(flat);
        }
        return byName;
    }

    /** L2 norm over all entries of all tensors. */
    public double globalNorm() {
        if (flat != null) {
            return flat.norm2Number().doubleValue();
        }
        double sumSq = 0;
        for (INDArray g : byName.values()) {
            double n = g.norm2Number().doubleValue();
            sumSq += n * n;
        }
        return Math.sqrt(sumSq);
    }

    /** Multiplies every entry by {@code factor}, in place; returns this. */
    public Gradients scale(double factor) {
        if (flat != null) {
            flat.muli(factor);
            return this;
        }
        for (INDArray g : byName.values()) {
            g.muli(factor);
        }
        return this;
    }

    /** True when every entry of every tensor is finite. */
    public boolean isFinite() {
        if (flat != null) {
            return isFinite(flat);
        }
        for (INDArray g : byName.values()) {
            if (!isFinite(g)) {
                return false;
            }
        }
        return true;
    }

    /** True when every entry of {@code a} is finite. */
    static boolean isFinite(INDArray a) {
        // one reduction decides the common case: a NaN entry makes the L1 norm NaN
        double l1 = a.norm1Number().doubleValue();
        if (Double.isFinite(l1)) {
            return true;
        }
        if (Double.isNaN(l1)) {
            return false;
        }
        // an infinite L1 norm may just be an overflow of huge finite entries: check exactly
        return !(BooleanIndexing.or(a, Conditions.isInfinite()) || BooleanIndexing.or(a, Conditions.isNan()));
    }

    /** Adds {@code other} entry-wise, in place (same names and shapes required); returns this. */
    public Gradients add(Gradients other) {
        if (!names().equals(other.names())) {
            throw new IllegalArgumentException("gradients have different tensors: " + names()
                    + " vs " + other.names());
        }
        if (flat != null && other.flat != null && layout.equals(other.layout)) {
            flat.addi(other.flat);
            return this;
        }
        for (Map.Entry<String, INDArray> e : asMap().entrySet()) {
            INDArray o = other.asMap().get(e.getKey());
            if (!Arrays.equals(e.getValue().shape(), o.shape())) {
                throw new IllegalArgumentException("shape mismatch for " + e.getKey());
            }
            e.getValue().addi(o);
        }
        return this;
    }

    /** A deep copy. */
    public Gradients copy() {
        if (flat != null) {
            return new Gradients(flat.dup(), layout);
        }
        Map<String, INDArray> c = new LinkedHashMap<>();
        byName.forEach((k, v) -> c.put(k, v.dup()));
        return new Gradients(c);
    }

    @Override
    public String toString() {
        return "Gradients" + names() + " norm=" + globalNorm();
    }
}
