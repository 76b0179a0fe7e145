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
 * <p>An array may be a view into a larger buffer (the experts' gradients are row blocks of one
 * stacked matrix): read values with {@code getDouble}, {@code toDoubleVector()} or
 * {@code dup().data()}, never {@code data()} of the view itself.
 */
public final class Gradients {

    private final Map<String, INDArray> byName;

    /** Wraps the given arrays (not copied); iteration order is the map's order. */
    public Gradients(Map<String, INDArray> byName) {
        this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(byName));
    }

    /** The gradient of one tensor; throws if the name is unknown. */
    public INDArray get(String name) {
        INDArray g = byName.get(name);
        if (g == null) {
            throw new IllegalArgumentException("no gradient for parameter '" + name + "'");
        }
        return g;
    }

    /** Parameter names in canonical order. */
    public Set<String> names() {
        return byName.keySet();
    }

    /** Read-only view name to gradient, canonical order. */
    public Map<String, INDArray> asMap() {
        return byName;
    }

    /** L2 norm over all entries of all tensors. */
    public double globalNorm() {
        double sumSq = 0;
        for (INDArray g : byName.values()) {
            double n = g.norm2Number().doubleValue();
            sumSq += n * n;
        }
        return Math.sqrt(sumSq);
    }

    /** Multiplies every entry by {@code factor}, in place; returns this. */
    public Gradients scale(double factor) {
        for (INDArray g : byName.values()) {
            g.muli(factor);
        }
        return this;
    }

    /** True when every entry of every tensor is finite. */
    public boolean isFinite() {
        for (INDArray g : byName.values()) {
            // one reduction decides the common case: a NaN entry makes the L1 norm NaN
            double l1 = g.norm1Number().doubleValue();
            if (Double.isFinite(l1)) {
                continue;
            }
            if (Double.isNaN(l1)) {
                return false;
            }
            // an infinite L1 norm may just be an overflow of huge finite entries: check exactly
            if (BooleanIndexing.or(g, Conditions.isInfinite()) || BooleanIndexing.or(g, Conditions.isNan())) {
                return false;
            }
        }
        return true;
    }

    /** Adds {@code other} entry-wise, in place (same names and shapes required); returns this. */
    public Gradients add(Gradients other) {
        if (!byName.keySet().equals(other.byName.keySet())) {
            throw new IllegalArgumentException("gradients have different tensors: " + byName.keySet()
                    + " vs " + other.byName.keySet());
        }
        for (Map.Entry<String, INDArray> e : byName.entrySet()) {
            INDArray o = other.byName.get(e.getKey());
            if (!Arrays.equals(e.getValue().shape(), o.shape())) {
                throw new IllegalArgumentException("shape mismatch for " + e.getKey());
            }
            e.getValue().addi(o);
        }
        return this;
    }

    /** A deep copy. */
    public Gradients copy() {
        Map<String, INDArray> c = new LinkedHashMap<>();
        byName.forEach((k, v) -> c.put(k, v.dup()));
        return new Gradients(c);
    }

    @Override
    public String toString() {
        return "Gradients" + byName.keySet() + " norm=" + globalNorm();
    }
}
