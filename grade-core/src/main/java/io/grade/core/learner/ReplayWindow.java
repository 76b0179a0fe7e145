package io.grade.core.learner;

import io.grade.core.data.TrainingRequest;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * The newest {@code capacity} labelled requests, in a ring ({@link RequestRing}): slot {@code i %
 * capacity} holds the i-th request ever added. Draws are uniform over the filled slots and
 * deterministic in the draw seed, so a restored window (every slot put back with {@link #restore})
 * draws exactly what the original would have. Not thread-safe.
 */
public final class ReplayWindow extends RequestRing {

    private static final RandomSource DRAW_SOURCE = RandomSource.XO_SHI_RO_128_PP;

    public ReplayWindow(int capacity) {
        super(capacity, "replay");
    }

    /** {@code count} requests drawn uniformly with replacement from the filled slots. */
    public List<TrainingRequest> draw(int count, long drawSeed) {
        int filled = size();
        if (filled == 0) {
            throw new IllegalStateException("the replay window is empty");
        }
        UniformRandomProvider rng = DRAW_SOURCE.create(drawSeed);
        List<TrainingRequest> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(get(rng.nextInt(filled)));
        }
        return out;
    }
}
