package io.grade.model.reward;

import java.util.Arrays;

/**
 * Soft structure prior on fusion weights (docs/SPEC.md section 6, R_format): a preferred order of
 * tasks (p_a >= p_b) and per-task bounds lo_k <= p_k <= hi_k. F(p) is the fraction satisfied.
 *
 * <p>Counting: each order pair is one constraint, and each task with a bound is one constraint,
 * whether the bound has one side or two: {@code lo <= p_k <= hi} is the single statement "p_k
 * lies in its band" and is satisfied only when both sides hold. (Counting the two sides apart
 * would let a two-sided band weigh twice an order pair and give half credit to a weight outside
 * its band.)
 */
public final class FormatConstraints implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    private static final FormatConstraints NONE = new FormatConstraints(new int[0][], new double[0], new double[0]);

    private final int[][] orderPairs;
    private final double[] lo;
    private final double[] hi;
    private final int count;

    private FormatConstraints(int[][] orderPairs, double[] lo, double[] hi) {
        this.orderPairs = orderPairs;
        this.lo = lo;
        this.hi = hi;
        int c = orderPairs.length;
        for (int k = 0; k < Math.max(lo.length, hi.length); k++) {
            c += bounded(lo, k) || bounded(hi, k) ? 1 : 0;
        }
        this.count = c;
    }

    /** No constraints: F(p) is 0 and R_format never contributes. */
    public static FormatConstraints none() {
        return NONE;
    }

    /**
     * @param orderPairs pairs {a, b} meaning p_a >= p_b
     * @param lo lower bounds per task, NaN for none (or null / empty for no lower bounds)
     * @param hi upper bounds per task, NaN for none (or null / empty for no upper bounds)
     */
    public static FormatConstraints of(int[][] orderPairs, double[] lo, double[] hi) {
        int[][] pairs = orderPairs == null ? new int[0][] : new int[orderPairs.length][];
        for (int i = 0; i < pairs.length; i++) {
            if (orderPairs[i].length != 2 || orderPairs[i][0] < 0 || orderPairs[i][1] < 0
                    || orderPairs[i][0] == orderPairs[i][1]) {
                throw new IllegalArgumentException("order pair " + Arrays.toString(orderPairs[i])
                        + " must name two different task indices");
            }
            pairs[i] = orderPairs[i].clone();
        }
        double[] l = lo == null ? new double[0] : lo.clone();
        double[] h = hi == null ? new double[0] : hi.clone();
        for (int k = 0; k < Math.min(l.length, h.length); k++) {
            if (!Double.isNaN(l[k]) && !Double.isNaN(h[k]) && l[k] > h[k]) {
                throw new IllegalArgumentException("bound for task " + k + ": lo " + l[k] + " > hi " + h[k]);
            }
        }
        return new FormatConstraints(pairs, l, h);
    }

    private static boolean bounded(double[] bounds, int k) {
        return k < bounds.length && !Double.isNaN(bounds[k]);
    }

    /** Number of constraints: order pairs plus tasks with a (one- or two-sided) bound. */
    public int count() {
        return count;
    }

    /** Largest task index referenced, or -1; used to validate against the task count. */
    public int maxTaskIndex() {
        int m = Math.max(lo.length, hi.length) - 1;
        for (int[] p : orderPairs) {
            m = Math.max(m, Math.max(p[0], p[1]));
        }
        return m;
    }

    /** F(p): the fraction of constraints p satisfies; 0 when there are none. */
    public double satisfiedFraction(double[] p) {
        if (count == 0) {
            return 0.0;
        }
        int ok = 0;
        for (int[] pair : orderPairs) {
            if (p[pair[0]] >= p[pair[1]]) {
                ok++;
            }
        }
        for (int k = 0; k < Math.max(lo.length, hi.length); k++) {
            boolean hasLo = bounded(lo, k);
            boolean hasHi = bounded(hi, k);
            if ((hasLo || hasHi) && (!hasLo || p[k] >= lo[k]) && (!hasHi || p[k] <= hi[k])) {
                ok++;
            }
        }
        return (double) ok / count;
    }

    public int[][] orderPairs() {
        int[][] copy = new int[orderPairs.length][];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = orderPairs[i].clone();
        }
        return copy;
    }

    public double[] lowerBounds() {
        return lo.clone();
    }

    public double[] upperBounds() {
        return hi.clone();
    }
}
