package io.grade.core.learner;

import io.grade.core.data.TrainingRequest;

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

    private final double[][] served;

    public HoldoutWindow(int capacity) {
        super(capacity, "holdout");
        this.served = new double[capacity][];
    }

    /**
     * Adds a held-out request with the weights serving actually ranked it with (the logging
     * policy; before the first published version, the static fallback), so a candidate can be
     * judged against what was served. Returns its slot (-1 when the capacity is 0).
     */
    public int add(TrainingRequest r, double[] servedWeights) {
        int slot = add(r);
        if (slot >= 0) {
            served[slot] = servedWeights == null ? null : servedWeights.clone();
        }
        return slot;
    }

    /** Puts a request and its served weights back in its slot after a restore. */
    public void restore(int slot, TrainingRequest r, double[] servedWeights) {
        restore(slot, r);
        served[slot] = servedWeights == null ? null : servedWeights.clone();
    }

    /** The served weights of a filled slot, or null when they were not recorded (do not modify). */
    double[] served(int slot) {
        get(slot); // bounds and restore checks
        return served[slot];
    }

    /** A window of {@value #DEFAULT_CAPACITY} requests. */
    public static HoldoutWindow withDefaultCapacity() {
        return new HoldoutWindow(DEFAULT_CAPACITY);
    }
}
