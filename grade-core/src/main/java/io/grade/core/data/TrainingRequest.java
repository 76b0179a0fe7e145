package io.grade.core.data;

import io.grade.model.fusion.Fusion;
import io.grade.model.reward.CompositeReward;
import io.grade.model.reward.RequestReward;
import io.grade.schemas.FusionKind;
import java.util.Arrays;

/**
 * One logged, labelled request as the learner sees it: features x (d), and for its M candidate
 * items the MTL scores s, the labels y and the fusion inputs z (each M x n, row-major).
 *
 * <p>Immutable: the constructor copies every array and the accessors return copies, so a request
 * can be shared between threads and kept in buffers without aliasing surprises. Hot loops that
 * must not allocate use the element accessors ({@link #z(int, int)}, ...) or the {@code copy*Into}
 * methods.
 */
public final class TrainingRequest {

    private final double[] features;
    private final double[] scores;
    private final double[] labels;
    private final double[] z;
    private final int items;
    private final int tasks;

    /**
     * @param features feature vector x, finite
     * @param scores MTL scores s (items x tasks, row-major), finite
     * @param labels labels y (items x tasks, row-major), finite and >= 0
     * @param z fusion inputs (items x tasks, row-major) such that f = z . w, finite
     * @param items number of candidate items M >= 1
     * @param tasks number of tasks n >= 1
     */
    public TrainingRequest(double[] features, double[] scores, double[] labels, double[] z, int items, int tasks) {
        if (items < 1) {
            throw new IllegalArgumentException("items must be >= 1, got " + items);
        }
        if (tasks < 1) {
            throw new IllegalArgumentException("tasks must be >= 1, got " + tasks);
        }
        if (features == null || features.length == 0) {
            throw new IllegalArgumentException("features must be non-empty");
        }
        checkFinite(features, "features");
        checkMatrix(scores, items, tasks, "scores");
        checkMatrix(labels, items, tasks, "labels");
        checkMatrix(z, items, tasks, "z");
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) {
                throw new IllegalArgumentException("labels must be >= 0, labels[" + i + "] = " + labels[i]);
            }
        }
        this.features = features.clone();
        this.scores = scores.clone();
        this.labels = labels.clone();
        this.z = z.clone();
        this.items = items;
        this.tasks = tasks;
    }

    /** Builds a request whose z is computed from the scores with {@link Fusion#inputs}. */
    public static TrainingRequest of(double[] features, double[] scores, double[] labels, int items, int tasks,
                                     FusionKind fusion, double[] betas) {
        checkMatrix(scores, items, tasks, "scores");
        return new TrainingRequest(features, scores, labels, Fusion.inputs(fusion, scores, items, tasks, betas), items, tasks);
    }

    /** Number of candidate items M. */
    public int items() {
        return items;
    }

    /** Number of tasks n. */
    public int tasks() {
        return tasks;
    }

    /** Feature dimension d. */
    public int featureDim() {
        return features.length;
    }

    /** A copy of the feature vector x. */
    public double[] features() {
        return features.clone();
    }

    /** A copy of the MTL scores (items x tasks, row-major). */
    public double[] scores() {
        return scores.clone();
    }

    /** A copy of the labels (items x tasks, row-major). */
    public double[] labels() {
        return labels.clone();
    }

    /** A copy of the fusion inputs z (items x tasks, row-major). */
    public double[] z() {
        return z.clone();
    }

    /** Feature i. */
    public double feature(int i) {
        return features[i];
    }

    /** MTL score of item j for task k. */
    public double score(int item, int task) {
        return scores[index(item, task)];
    }

    /** Label of item j for task k. */
    public double label(int item, int task) {
        return labels[index(item, task)];
    }

    /** Fusion input z of item j for task k. */
    public double z(int item, int task) {
        return z[index(item, task)];
    }

    /** Copies x into {@code dst} starting at {@code offset} (e.g. a row of a batch matrix). */
    public void copyFeaturesInto(double[] dst, int offset) {
        System.arraycopy(features, 0, dst, offset, features.length);
    }

    /** Copies z into {@code dst} starting at {@code offset}. */
    public void copyZInto(double[] dst, int offset) {
        System.arraycopy(z, 0, dst, offset, z.length);
    }

    /**
     * The composite reward of this request, prepared from its own z, scores and labels without
     * copying them first ({@link CompositeReward#prepareInto} only reads them); re-prepares
     * {@code reuse} in place when it fits (see there), so a learner allocates nothing per request.
     */
    public RequestReward prepareReward(CompositeReward reward, RequestReward reuse) {
        return reward.prepareInto(reuse, z, scores, labels, items, tasks);
    }

    /** True when some item has a positive label for some task. */
    public boolean hasPositiveLabel() {
        for (double y : labels) {
            if (y > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Gains g_j = sum_k c_k y_jk (docs/SPEC.md section 8).
     *
     * @param taskImportance c, one entry per task
     */
    public double[] gains(double[] taskImportance) {
        if (taskImportance.length != tasks) {
            throw new IllegalArgumentException("taskImportance must have " + tasks + " entries, got " + taskImportance.length);
        }
        double[] g = new double[items];
        for (int j = 0; j < items; j++) {
            double s = 0;
            for (int k = 0; k < tasks; k++) {
                s += taskImportance[k] * labels[j * tasks + k];
            }
            g[j] = s;
        }
        return g;
    }

    private int index(int item, int task) {
        if (item < 0 || item >= items || task < 0 || task >= tasks) {
            throw new IndexOutOfBoundsException("(" + item + ", " + task + ") outside " + items + " x " + tasks);
        }
        return item * tasks + task;
    }

    private static void checkMatrix(double[] m, int items, int tasks, String what) {
        if (m == null || m.length != items * tasks) {
            throw new IllegalArgumentException(what + " must have items x tasks = " + items + " x " + tasks
                    + " = " + (items * tasks) + " entries, got " + (m == null ? "null" : m.length));
        }
        checkFinite(m, what);
    }

    private static void checkFinite(double[] a, String what) {
        for (int i = 0; i < a.length; i++) {
            if (!Double.isFinite(a[i])) {
                throw new IllegalArgumentException(what + "[" + i + "] is not finite: " + a[i]);
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof TrainingRequest r)) {
            return false;
        }
        return items == r.items && tasks == r.tasks && Arrays.equals(features, r.features)
                && Arrays.equals(scores, r.scores) && Arrays.equals(labels, r.labels) && Arrays.equals(z, r.z);
    }

    @Override
    public int hashCode() {
        int h = 31 * items + tasks;
        h = 31 * h + Arrays.hashCode(features);
        h = 31 * h + Arrays.hashCode(scores);
        h = 31 * h + Arrays.hashCode(labels);
        return 31 * h + Arrays.hashCode(z);
    }

    @Override
    public String toString() {
        return "TrainingRequest{items=" + items + ", tasks=" + tasks + ", featureDim=" + features.length + "}";
    }
}
