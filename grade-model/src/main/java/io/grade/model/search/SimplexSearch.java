package io.grade.model.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Derivative-free maximisation over the probability simplex: a fixed grid, then local refinement.
 *
 * <p>Ranking rewards are piecewise constant in the weights (they change only when two items swap),
 * so gradients are useless. The search evaluates every point of the regular grid with step
 * 1/{@code gridSteps}, then refines the best {@code refineStarts} grid points by pattern search:
 * move mass delta from one coordinate to another (every ordered pair), keep a move only if it
 * strictly improves, halve delta when no move does, stop after {@code refineHalvings} halvings.
 * Deterministic: ties keep the earlier point.
 */
public final class SimplexSearch {

    private static final int MAX_MOVES_PER_START = 200;

    private final int gridSteps;
    private final int refineStarts;
    private final int refineHalvings;

    /**
     * @param gridSteps grid resolution: coordinates are multiples of 1/gridSteps (>= 1)
     * @param refineStarts how many of the best grid points to refine (>= 0)
     * @param refineHalvings how many times the refinement step (initially 1/(2 gridSteps)) halves (>= 0)
     */
    public SimplexSearch(int gridSteps, int refineStarts, int refineHalvings) {
        if (gridSteps < 1 || refineStarts < 0 || refineHalvings < 0) {
            throw new IllegalArgumentException("need gridSteps >= 1, refineStarts >= 0, refineHalvings >= 0, got "
                    + gridSteps + ", " + refineStarts + ", " + refineHalvings);
        }
        this.gridSteps = gridSteps;
        this.refineStarts = refineStarts;
        this.refineHalvings = refineHalvings;
    }

    /** The oracle's default: step 1/10 (286 points for 4 tasks), refine the best 3 down to step 1/320. */
    public static SimplexSearch defaults() {
        return new SimplexSearch(10, 3, 4);
    }

    /** The result of a search: the best point found, its value, and how many evaluations it took. */
    public record Result(double[] point, double value, int evaluations) {}

    /** Every point of the simplex in {@code dims} dimensions whose coordinates are multiples of 1/steps. */
    public static double[][] grid(int dims, int steps) {
        if (dims < 1 || steps < 1) {
            throw new IllegalArgumentException("dims and steps must be >= 1");
        }
        List<double[]> points = new ArrayList<>();
        compositions(new int[dims], 0, steps, steps, points);
        return points.toArray(new double[0][]);
    }

    private static void compositions(int[] counts, int index, int remaining, int steps, List<double[]> out) {
        if (index == counts.length - 1) {
            counts[index] = remaining;
            double[] p = new double[counts.length];
            for (int k = 0; k < counts.length; k++) {
                p[k] = (double) counts[k] / steps;
            }
            out.add(p);
            return;
        }
        for (int c = remaining; c >= 0; c--) {
            counts[index] = c;
            compositions(counts, index + 1, remaining - c, steps, out);
        }
    }

    /** Maximises {@code objective} over the simplex in {@code dims} dimensions. */
    public Result maximise(int dims, ToDoubleFunction<double[]> objective) {
        double[][] grid = grid(dims, gridSteps);
        double[] values = new double[grid.length];
        int evaluations = 0;
        for (int i = 0; i < grid.length; i++) {
            values[i] = objective.applyAsDouble(grid[i]);
            evaluations++;
        }
        Integer[] byValue = new Integer[grid.length];
        for (int i = 0; i < grid.length; i++) {
            byValue[i] = i;
        }
        // stable sort: among equal values the earlier grid point comes first
        Arrays.sort(byValue, (a, b) -> Double.compare(values[b], values[a]));

        double[] best = grid[byValue[0]].clone();
        double bestValue = values[byValue[0]];
        double[] candidate = new double[dims];
        for (int s = 0; s < Math.min(refineStarts, grid.length); s++) {
            double[] x = grid[byValue[s]].clone();
            double fx = values[byValue[s]];
            double delta = 0.5 / gridSteps;
            int halvings = 0;
            int moves = 0;
            while (halvings <= refineHalvings && moves < MAX_MOVES_PER_START) {
                int bestFrom = -1;
                int bestTo = -1;
                double bestMove = fx;
                for (int from = 0; from < dims; from++) {
                    if (x[from] <= 0) {
                        continue;
                    }
                    double step = Math.min(delta, x[from]);
                    for (int to = 0; to < dims; to++) {
                        if (to == from) {
                            continue;
                        }
                        System.arraycopy(x, 0, candidate, 0, dims);
                        candidate[from] -= step;
                        candidate[to] += step;
                        double f = objective.applyAsDouble(candidate);
                        evaluations++;
                        if (f > bestMove) {
                            bestMove = f;
                            bestFrom = from;
                            bestTo = to;
                        }
                    }
                }
                if (bestFrom < 0) {
                    delta /= 2;
                    halvings++;
                } else {
                    double step = Math.min(delta, x[bestFrom]);
                    x[bestFrom] -= step;
                    x[bestTo] += step;
                    fx = bestMove;
                    moves++;
                }
            }
            if (fx > bestValue) {
                bestValue = fx;
                best = x;
            }
        }
        return new Result(best, bestValue, evaluations);
    }
}
