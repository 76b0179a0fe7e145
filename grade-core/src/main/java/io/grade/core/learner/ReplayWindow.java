package io.grade.core.learner;

import io.grade.core.data.TrainingRequest;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * The newest {@code capacity} labelled requests, in a ring: slot {@code i % capacity} holds the
 * i-th request ever added. Draws are uniform over the filled slots and deterministic in the draw
 * seed, so a restored window (every slot put back with {@link #restore}) draws exactly what the
 * original would have. Not thread-safe.
 */
public final class ReplayWindow {

    private static final RandomSource DRAW_SOURCE = RandomSource.XO_SHI_RO_128_PP;

    private final TrainingRequest[] slots;
    private long added;

    public ReplayWindow(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
        }
        this.slots = new TrainingRequest[capacity];
    }

    /** Adds a request, overwriting the oldest when full; returns its slot (-1 when the capacity is 0). */
    public int add(TrainingRequest r) {
        if (slots.length == 0) {
            return -1;
        }
        int slot = (int) (added % slots.length);
        slots[slot] = r;
        added++;
        return slot;
    }

    /** Puts a request back in its slot after a restore; {@link #setAdded} restores the count. */
    public void restore(int slot, TrainingRequest r) {
        slots[slot] = r;
    }

    /** Requests ever added (the next one goes to slot {@code added % capacity}). */
    public long added() {
        return added;
    }

    /** Restores the count of requests ever added. */
    public void setAdded(long added) {
        if (added < 0) {
            throw new IllegalArgumentException("added must be >= 0, got " + added);
        }
        this.added = added;
    }

    public int capacity() {
        return slots.length;
    }

    /** Filled slots. */
    public int size() {
        return (int) Math.min(added, slots.length);
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
            TrainingRequest r = slots[rng.nextInt(filled)];
            if (r == null) {
                throw new IllegalStateException("replay slot not restored");
            }
            out.add(r);
        }
        return out;
    }
}
