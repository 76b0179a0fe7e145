package io.grade.core.explore;

/**
 * Cosine schedule of the Dirichlet concentration (docs/SPEC.md section 5):
 * alphaHat(t) = alphaEnd - (alphaEnd - alphaStart) * (1 + cos(pi * min(t / T, 1))) / 2,
 * so exploration is wide at the start (alphaStart) and narrows to alphaEnd after T updates.
 *
 * @param alphaStart alphaHat at update 0 (default 5)
 * @param alphaEnd alphaHat from update T on (default 15)
 * @param horizon T, in updates, > 0
 */
public record ConcentrationSchedule(double alphaStart, double alphaEnd, long horizon) implements java.io.Serializable {

    /** Spec default alphaStart. */
    public static final double DEFAULT_ALPHA_START = 5.0;
    /** Spec default alphaEnd. */
    public static final double DEFAULT_ALPHA_END = 15.0;
    /** Our default horizon: the spec leaves T to config. */
    public static final long DEFAULT_HORIZON = 10_000L;

    /** Validates every option, naming it in the message. */
    public ConcentrationSchedule {
        if (!(alphaStart > 0) || !Double.isFinite(alphaStart)) {
            throw new IllegalArgumentException("alphaStart must be finite and > 0, got " + alphaStart);
        }
        if (!(alphaEnd > 0) || !Double.isFinite(alphaEnd)) {
            throw new IllegalArgumentException("alphaEnd must be finite and > 0, got " + alphaEnd);
        }
        if (horizon <= 0) {
            throw new IllegalArgumentException("alphaHorizon must be > 0 updates, got " + horizon);
        }
    }

    /** Start 5, end 15, over {@code horizon} updates. */
    public static ConcentrationSchedule defaults(long horizon) {
        return new ConcentrationSchedule(DEFAULT_ALPHA_START, DEFAULT_ALPHA_END, horizon);
    }

    /** alphaHat after {@code t} updates (t >= 0). */
    public double alphaHat(long t) {
        if (t < 0) {
            throw new IllegalArgumentException("schedule step must be >= 0, got " + t);
        }
        if (t >= horizon) {
            // exact end value, without the rounding of cos(pi)
            return alphaEnd;
        }
        double progress = (double) t / horizon;
        return alphaEnd - (alphaEnd - alphaStart) * (1 + Math.cos(Math.PI * progress)) / 2;
    }
}
