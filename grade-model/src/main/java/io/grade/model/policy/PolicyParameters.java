package io.grade.model.policy;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The policy's parameter tensors as plain arrays: an ordered map name to (shape, row-major values).
 *
 * <p>Immutable: construction and {@link #values(String)} copy, so a snapshot can be shared between
 * the learner and serving threads. {@link #valuesView(String)} gives the internal array for hot
 * paths that promise not to write it (the forward pass).
 */
public final class PolicyParameters {

    private final Map<String, Tensor> tensors;

    private PolicyParameters(Map<String, Tensor> tensors) {
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /** A new builder; tensors keep the order in which they are added. */
    public static Builder builder() {
        return new Builder();
    }

    /** Tensor names in order. */
    public Set<String> names() {
        return tensors.keySet();
    }

    /** Number of tensors. */
    public int size() {
        return tensors.size();
    }

    /** True when a tensor of this name exists. */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** Shape of a tensor (a copy). */
    public int[] shape(String name) {
        return tensor(name).shape.clone();
    }

    /** Values of a tensor, row-major (a copy). */
    public double[] values(String name) {
        return tensor(name).values.clone();
    }

    /** The internal values of a tensor, row-major: callers must not modify the array. */
    public double[] valuesView(String name) {
        return tensor(name).values;
    }

    /** A deep copy. */
    public PolicyParameters copy() {
        Builder b = builder();
        tensors.forEach((k, t) -> b.put(k, t.shape, t.values));
        return b.build();
    }

    /** True when names, order, shapes and every value are identical (bit-for-bit; same as equals). */
    public boolean equalValues(PolicyParameters other) {
        return equals(other);
    }

    /** True when both have the same names, order and shapes, and every value differs by at most {@code tolerance}. */
    public boolean equalValues(PolicyParameters other, double tolerance) {
        if (!sameLayout(other)) {
            return false;
        }
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            double[] a = e.getValue().values;
            double[] b = other.tensors.get(e.getKey()).values;
            for (int i = 0; i < a.length; i++) {
                if (!(Math.abs(a[i] - b[i]) <= tolerance)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** True when both hold the same tensor names in the same order with the same shapes. */
    public boolean sameLayout(PolicyParameters other) {
        if (!Arrays.equals(tensors.keySet().toArray(), other.tensors.keySet().toArray())) {
            return false;
        }
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (!Arrays.equals(e.getValue().shape, other.tensors.get(e.getKey()).shape)) {
                return false;
            }
        }
        return true;
    }

    private Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no parameter tensor named '" + name + "'");
        }
        return t;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof PolicyParameters p) || !sameLayout(p)) {
            return false;
        }
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (!Arrays.equals(e.getValue().values, p.tensors.get(e.getKey()).values)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            h = 31 * h + Objects.hash(e.getKey(), Arrays.hashCode(e.getValue().shape), Arrays.hashCode(e.getValue().values));
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("PolicyParameters{");
        tensors.forEach((k, t) -> sb.append(k).append(Arrays.toString(t.shape)).append(' '));
        return sb.append('}').toString();
    }

    private record Tensor(int[] shape, double[] values) {}

    /** Builds a {@link PolicyParameters}; every added array is copied. */
    public static final class Builder {
        private final Map<String, Tensor> tensors = new LinkedHashMap<>();

        private Builder() {}

        /** Adds a tensor; the shape's product must equal the number of values; names are unique. */
        public Builder put(String name, int[] shape, double[] values) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(shape, "shape");
            Objects.requireNonNull(values, "values");
            if (tensors.containsKey(name)) {
                throw new IllegalArgumentException("duplicate parameter tensor '" + name + "'");
            }
            long size = 1;
            for (int s : shape) {
                if (s < 1) {
                    throw new IllegalArgumentException("shape of '" + name + "' has a non-positive dimension: "
                            + Arrays.toString(shape));
                }
                size *= s;
            }
            if (size != values.length) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " of '" + name + "' needs " + size
                        + " values, got " + values.length);
            }
            tensors.put(name, new Tensor(shape.clone(), values.clone()));
            return this;
        }

        /** The parameters, in insertion order. */
        public PolicyParameters build() {
            return new PolicyParameters(new LinkedHashMap<>(tensors));
        }
    }
}
