package io.grade.serving;

/**
 * A ranked candidate list: item indices best first, the weights used and the policy version that
 * produced them (to record in the impression).
 */
public record Ranking(int[] order, double[] weights, long policyVersion) {}
