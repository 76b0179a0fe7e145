package io.grade.core.learner;

/**
 * Options of the {@link QualityGate}, which decides whether a candidate policy may replace the
 * published one. The gate rejects only when it is confident the candidate is worse: when the
 * one-sided upper confidence bound of the mean paired R_post difference (candidate minus current)
 * is below {@code -margin}.
 *
 * @param margin how much worse in mean R_post (NDCG units, in [0, 1]) a candidate may be and still
 *     pass, >= 0; a small positive margin keeps noise-level regressions from blocking every update
 * @param confidenceZ the one-sided normal quantile of the confidence, >= 0 (1.645: 95 %)
 * @param minRequests held-out requests with a positive label the gate needs to judge at all, >= 2
 *     (the standard error needs two); with fewer it defers: nothing is published unjudged
 * @param maxConsecutiveRejections rejections in a row after which the learner should roll back to
 *     the published policy ({@link RejectionTracker}), >= 1
 */
public record QualityGateConfig(double margin, double confidenceZ, int minRequests, int maxConsecutiveRejections)
        implements java.io.Serializable {

    /** Half a point of NDCG@K: a smaller regression is not worth blocking an update for. */
    public static final double DEFAULT_MARGIN = 0.005;
    /** 95 % one-sided. */
    public static final double DEFAULT_CONFIDENCE_Z = 1.645;
    /** With fewer paired requests the normal approximation behind the confidence bound is not to be trusted. */
    public static final int DEFAULT_MIN_REQUESTS = 200;
    /** Three rejections in a row: the learner has drifted, not just one unlucky update. */
    public static final int DEFAULT_MAX_CONSECUTIVE_REJECTIONS = 3;

    public QualityGateConfig {
        if (!(margin >= 0) || Double.isInfinite(margin)) {
            throw new IllegalArgumentException("margin must be finite and >= 0, got " + margin);
        }
        if (!(confidenceZ >= 0) || Double.isInfinite(confidenceZ)) {
            throw new IllegalArgumentException("confidenceZ must be finite and >= 0, got " + confidenceZ);
        }
        if (minRequests < 2) {
            throw new IllegalArgumentException("minRequests must be >= 2, got " + minRequests);
        }
        if (maxConsecutiveRejections < 1) {
            throw new IllegalArgumentException("maxConsecutiveRejections must be >= 1, got "
                    + maxConsecutiveRejections);
        }
    }

    /** margin 0.005, z 1.645, 200 requests, roll back after 3 rejections. */
    public static QualityGateConfig defaults() {
        return new QualityGateConfig(DEFAULT_MARGIN, DEFAULT_CONFIDENCE_Z, DEFAULT_MIN_REQUESTS,
                DEFAULT_MAX_CONSECUTIVE_REJECTIONS);
    }
}
