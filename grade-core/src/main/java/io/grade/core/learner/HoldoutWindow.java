package io.grade.core.learner;

/**
 * The newest {@code capacity} held-out labelled requests (see {@link HoldoutSelector}), on which
 * the {@link QualityGate} scores a candidate policy against the published one. A ring like {@link
 * ReplayWindow} ({@link RequestRing}): slot {@code i % capacity} holds the i-th request ever
 * added, so the job mirrors the slots into keyed state and puts them back with {@link #restore}
 * and {@link #setAdded}. Kept apart from the replay window so held-out requests never feed an
 * update. Not thread-safe.
 */
public final class HoldoutWindow extends RequestRing {

    /**
     * Default capacity: 4,000 requests. The standard error of the gate's mean paired difference is
     * sd / sqrt(n), so 4,000 requests resolve sd / 63 (0.003 when the per-request differences of
     * R_post spread with sd 0.2), below the default margin of {@link QualityGateConfig}.
     */
    public static final int DEFAULT_CAPACITY = 4_000;

    public HoldoutWindow(int capacity) {
        super(capacity, "holdout");
    }

    /** A window of {@value #DEFAULT_CAPACITY} requests. */
    public static HoldoutWindow withDefaultCapacity() {
        return new HoldoutWindow(DEFAULT_CAPACITY);
    }
}
