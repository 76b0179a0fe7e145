package io.grade.simulator;

import java.util.List;

/**
 * What happened after a request was served: the ranking, the sampled labels and the feedback events.
 *
 * @param request the request that was served
 * @param servedWeights the fusion weights serving used (a copy)
 * @param ranking candidate indices in served order (length M); the first {@code shown} were shown
 * @param shown number of positions shown
 * @param labels sampled labels y (M x n, row-major; 0 for items not shown or not acted on)
 * @param feedback feedback events in the order they were generated (not sorted by delay)
 */
public record SimOutcome(SimRequest request, double[] servedWeights, int[] ranking, int shown, double[] labels,
                         List<SimFeedback> feedback) {

    /** True when some label of the request is positive. */
    public boolean hasPositiveLabel() {
        for (double y : labels) {
            if (y > 0) {
                return true;
            }
        }
        return false;
    }
}
