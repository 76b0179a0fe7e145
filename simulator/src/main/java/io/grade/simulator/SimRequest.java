package io.grade.simulator;

/**
 * One simulated request: who asks, what the policy may see, the candidates with their MTL scores,
 * and the hidden truth (expected labels) the oracle scores against.
 *
 * <p>Matrices are items x tasks, row-major, in the world's task order. The arrays are not copied
 * (this is the hot path of generators); callers must treat them as read-only.
 *
 * @param user user id in [0, users)
 * @param archetype the user's archetype index (hidden from the policy; for per-archetype reports)
 * @param eventTimeMillis when the request is served
 * @param features observable user/context features x (length d): what a policy may use
 * @param itemIds candidate item ids (length M), ascending
 * @param scores MTL scores s (M x n), > 0
 * @param expectedLabels true expected label per item and task given that the item is examined
 *     (M x n); the expected label at 0-based position i is this times 1/log2(i + 2)
 */
public record SimRequest(int user, int archetype, long eventTimeMillis, double[] features, int[] itemIds,
                         double[] scores, double[] expectedLabels) {

    /** Number of candidates M. */
    public int items() {
        return itemIds.length;
    }

    /** Number of tasks n. */
    public int tasks() {
        return scores.length / itemIds.length;
    }
}
