package io.grade.core.learner;

import io.grade.core.data.TrainingRequest;

/**
 * The ring behind {@link ReplayWindow} and {@link HoldoutWindow}: the newest {@code capacity}
 * labelled requests, slot {@code i % capacity} holding the i-th request ever added. The job
 * mirrors the slots into keyed state and, after a restore, puts every slot back with {@link
 * #restore} and the count with {@link #setAdded}. Not thread-safe.
 */
public abstract sealed class RequestRing permits ReplayWindow, HoldoutWindow {

    private final TrainingRequest[] slots;
    private final String what;
    private long added;

    RequestRing(int capacity, String what) {
        if (capacity < 0) {
            throw new IllegalArgumentException(what + " capacity must be >= 0, got " + capacity);
        }
        this.slots = new TrainingRequest[capacity];
        this.what = what;
    }

    /** Adds a request, overwriting the oldest when full; returns its slot (-1 when the capacity is 0). */
    public final int add(TrainingRequest r) {
        if (slots.length == 0) {
            return -1;
        }
        int slot = (int) (added % slots.length);
        slots[slot] = r;
        added++;
        return slot;
    }

    /** Puts a request back in its slot after a restore; {@link #setAdded} restores the count. */
    public final void restore(int slot, TrainingRequest r) {
        slots[slot] = r;
    }

    /** Requests ever added (the next one goes to slot {@code added % capacity}). */
    public final long added() {
        return added;
    }

    /** Restores the count of requests ever added. */
    public final void setAdded(long added) {
        if (added < 0) {
            throw new IllegalArgumentException("added must be >= 0, got " + added);
        }
        this.added = added;
    }

    public final int capacity() {
        return slots.length;
    }

    /** Filled slots (0 .. size - 1). */
    public final int size() {
        return (int) Math.min(added, slots.length);
    }

    /**
     * The request in a filled slot.
     *
     * @throws IndexOutOfBoundsException when the slot is not below {@link #size()}
     * @throws IllegalStateException when the slot was not put back after a restore
     */
    public final TrainingRequest get(int slot) {
        if (slot < 0 || slot >= size()) {
            throw new IndexOutOfBoundsException("slot " + slot + " outside the " + size() + " filled slots");
        }
        TrainingRequest r = slots[slot];
        if (r == null) {
            throw new IllegalStateException(what + " slot " + slot + " not restored");
        }
        return r;
    }
}
