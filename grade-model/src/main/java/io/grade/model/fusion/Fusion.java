package io.grade.model.fusion;

import io.grade.schemas.FusionKind;

/** Multi-task fusion (docs/SPEC.md section 3): turns per-task scores and a weight vector into one ranking score. */
public final class Fusion {

    private Fusion() {}

    /**
     * Fusion inputs z (items x tasks, row-major) such that the fused score is f = z . w.
     *
     * <p>Computing z once per request lets the learner re-rank a request for many sampled weight
     * vectors with one dot product per item. LOG_LINEAR: z_jk = ln(s_jk + beta_k). LINEAR: the
     * per-request min-max normalised score of task k; a constant column maps to 0.
     */
    public static double[] inputs(FusionKind kind, double[] scores, int items, int tasks, double[] betas) {
        checkShape(scores, items, tasks, "scores");
        double[] z = new double[items * tasks];
        switch (kind) {
            case LOG_LINEAR -> {
                if (betas == null || betas.length != tasks) {
                    throw new IllegalArgumentException("betas must have one entry per task (" + tasks + ")");
                }
                for (int j = 0; j < items; j++) {
                    for (int k = 0; k < tasks; k++) {
                        z[j * tasks + k] = Math.log(scores[j * tasks + k] + betas[k]);
                    }
                }
            }
            case LINEAR -> minMaxColumns(scores, items, tasks, z);
            default -> throw new IllegalArgumentException("unknown fusion kind " + kind);
        }
        return z;
    }

    /** Writes the per-column min-max normalisation of {@code values} into {@code out} (constant column -> 0). */
    public static void minMaxColumns(double[] values, int items, int tasks, double[] out) {
        for (int k = 0; k < tasks; k++) {
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < items; j++) {
                double v = values[j * tasks + k];
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            double range = max - min;
            for (int j = 0; j < items; j++) {
                out[j * tasks + k] = range > 0 ? (values[j * tasks + k] - min) / range : 0.0;
            }
        }
    }

    /** out[j] = sum_k z_jk * w_k. */
    public static void fuse(double[] z, int items, int tasks, double[] w, double[] out) {
        for (int j = 0; j < items; j++) {
            double f = 0;
            int row = j * tasks;
            for (int k = 0; k < tasks; k++) {
                f += z[row + k] * w[k];
            }
            out[j] = f;
        }
    }

    /**
     * Fills {@code order} with item indices sorted by fused score, highest first. Stable: ties keep
     * the lower index first, so rankings are deterministic. Insertion sort: candidate lists are
     * short (tens of items) and this allocates nothing.
     */
    public static void rankDescending(double[] fused, int items, int[] order) {
        for (int j = 0; j < items; j++) {
            int i = j - 1;
            double f = fused[j];
            while (i >= 0 && fused[order[i]] < f) {
                order[i + 1] = order[i];
                i--;
            }
            order[i + 1] = j;
        }
    }

    /**
     * Writes the indices of the {@code k} highest fused scores into {@code order[0..k)}, best first,
     * with the same tie rule as {@link #rankDescending} (so the first k entries of both agree).
     * NDCG@K needs only these, and a bounded insertion is much cheaper than ranking all items.
     */
    public static void topK(double[] fused, int items, int k, int[] order) {
        int filled = 0;
        for (int j = 0; j < items; j++) {
            double f = fused[j];
            if (filled == k) {
                // strictly greater: an equal score keeps the earlier (lower) index ahead
                if (!(f > fused[order[k - 1]])) {
                    continue;
                }
                filled--;
            }
            int i = filled - 1;
            while (i >= 0 && fused[order[i]] < f) {
                order[i + 1] = order[i];
                i--;
            }
            order[i + 1] = j;
            filled++;
        }
    }

    /**
     * The same top-K as {@link #topK(double[], int, int, int[])}, visiting the items in the order
     * {@code visit} (a permutation of 0 .. items - 1) instead of by index. Ranking is by the total
     * order "higher score first, lower index first among equal scores", which is exactly the tie
     * rule of {@link #rankDescending}, so the result does not depend on {@code visit}; only the
     * speed does. When {@code visit} is close to the final ranking (e.g. the ranking of the same
     * items under a similar weight vector), the best items arrive first, the selection threshold
     * is tight early and most other items are rejected by one well-predicted comparison.
     *
     * <p>Requires every {@code fused[j]}, j < items, to be a number (not NaN) and 1 <= k <= items.
     * Allocates nothing.
     *
     * @param topValues scratch of at least {@code k} entries; receives the k highest scores, best first
     */
    public static void topKInOrder(double[] fused, int items, int k, int[] visit, int[] order, double[] topValues) {
        int filled = 0;
        double threshold = Double.NaN;
        int thresholdItem = -1;
        for (int p = 0; p < items; p++) {
            int j = visit[p];
            double f = fused[j];
            if (filled == k) {
                if (f < threshold || !ranksBefore(f, j, threshold, thresholdItem)) {
                    continue;
                }
                filled--;
            }
            int i = filled - 1;
            while (i >= 0 && ranksBefore(f, j, topValues[i], order[i])) {
                topValues[i + 1] = topValues[i];
                order[i + 1] = order[i];
                i--;
            }
            topValues[i + 1] = f;
            order[i + 1] = j;
            filled++;
            threshold = topValues[filled - 1];
            thresholdItem = order[filled - 1];
        }
    }

    /** True when (score f, index j) ranks before (g, i): higher score first, lower index first among ties. */
    private static boolean ranksBefore(double f, int j, double g, int i) {
        return f > g || (f == g && j < i);
    }

    private static void checkShape(double[] m, int items, int tasks, String what) {
        if (items <= 0 || tasks <= 0 || m == null || m.length != items * tasks) {
            throw new IllegalArgumentException(what + " must be items x tasks = " + items + " x " + tasks);
        }
    }
}
