package io.grade.core.learner;

/**
 * Counts the {@link QualityGate}'s rejections in a row: after {@code maxConsecutiveRejections} of
 * them the learner has drifted away from anything publishable and should be rolled back to the
 * published policy. An acceptance resets the count, and so does taking the rollback. The job
 * checkpoints {@link #consecutiveRejections()} and puts it back with {@link
 * #setConsecutiveRejections}. Not thread-safe.
 */
public final class RejectionTracker {

    private final int maxConsecutiveRejections;
    private int consecutiveRejections;

    public RejectionTracker(int maxConsecutiveRejections) {
        if (maxConsecutiveRejections < 1) {
            throw new IllegalArgumentException("maxConsecutiveRejections must be >= 1, got "
                    + maxConsecutiveRejections);
        }
        this.maxConsecutiveRejections = maxConsecutiveRejections;
    }

    /** A tracker with the config's {@code maxConsecutiveRejections}. */
    public RejectionTracker(QualityGateConfig config) {
        this(config.maxConsecutiveRejections());
    }

    /** Records a verdict: a rejection counts, an acceptance resets the count, a deferral changes nothing. */
    public void record(QualityGate.Verdict verdict) {
        switch (verdict.decision()) {
            case PUBLISH -> consecutiveRejections = 0;
            case REJECT -> consecutiveRejections++;
            case DEFER -> { }
        }
    }

    /** True after {@code maxConsecutiveRejections} rejections in a row (until reset). */
    public boolean shouldRollBack() {
        return consecutiveRejections >= maxConsecutiveRejections;
    }

    /** The rollback was taken: the count starts again from 0. */
    public void rollBackTaken() {
        consecutiveRejections = 0;
    }

    public int consecutiveRejections() {
        return consecutiveRejections;
    }

    /** Restores the count from a checkpoint. */
    public void setConsecutiveRejections(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("consecutiveRejections must be >= 0, got " + count);
        }
        this.consecutiveRejections = count;
    }

    public int maxConsecutiveRejections() {
        return maxConsecutiveRejections;
    }
}
