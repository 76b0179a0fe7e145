package io.grade.jobs.reward;

/** Mean of the last {@code window} values, O(1) per update; backs the reward gauges (a stored field). */
public final class RollingMean {

    private final double[] values;
    private int next;
    private int count;
    private double sum;
    private double mean;

    public RollingMean(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1, got " + window);
        }
        this.values = new double[window];
    }

    public void add(double v) {
        if (count == values.length) {
            sum -= values[next];
        } else {
            count++;
        }
        values[next] = v;
        sum += v;
        next = (next + 1) % values.length;
        // Recompute exactly once per window so floating-point drift of the running sum cannot build up.
        if (next == 0) {
            double s = 0;
            for (int i = 0; i < count; i++) {
                s += values[i];
            }
            sum = s;
        }
        mean = sum / count;
    }

    /** Mean of the values in the window; 0 before the first value. */
    public double mean() {
        return mean;
    }

    public int count() {
        return count;
    }
}
