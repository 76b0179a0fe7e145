package io.grade.jobs.reward;

/**
 * The label-independent part of a served ranking's reward, fixed when its request opens.
 *
 * @param topK item indices of the first K = min(ndcgK, items) served positions, in order
 * @param prior R_prior of the served ranking
 * @param formatFraction fraction of the format constraints the served weights satisfy (R_format
 *     before the tau gate)
 */
public record ServedRanking(int[] topK, double prior, double formatFraction) {}
