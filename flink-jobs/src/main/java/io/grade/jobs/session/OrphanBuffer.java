package io.grade.jobs.session;

import io.grade.jobs.events.FeedbackEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Feedback of one request that arrived before its impression, each with the event time at which it
 * gives up waiting (its event time + orphanWait). In keyed MapState by request id, written with
 * {@link OrphanBufferSerializer}.
 */
public class OrphanBuffer {

    public FeedbackEvent[] events;
    public long[] expiries;

    public OrphanBuffer() {
        events = new FeedbackEvent[0];
        expiries = new long[0];
    }

    /** Buffers an event; false (and nothing changes) if one with the same id is already waiting. */
    public boolean add(FeedbackEvent f, long expiresAt) {
        for (FeedbackEvent e : events) {
            if (e.eventId.equals(f.eventId)) {
                return false;
            }
        }
        events = Arrays.copyOf(events, events.length + 1);
        expiries = Arrays.copyOf(expiries, expiries.length + 1);
        events[events.length - 1] = f;
        expiries[expiries.length - 1] = expiresAt;
        return true;
    }

    /** Removes and returns the events whose wait ended at or before {@code t}. */
    public List<FeedbackEvent> expire(long t) {
        List<FeedbackEvent> expired = new ArrayList<>();
        int keep = 0;
        for (int i = 0; i < events.length; i++) {
            if (expiries[i] <= t) {
                expired.add(events[i]);
            } else {
                events[keep] = events[i];
                expiries[keep] = expiries[i];
                keep++;
            }
        }
        events = Arrays.copyOf(events, keep);
        expiries = Arrays.copyOf(expiries, keep);
        return expired;
    }

    /** The earliest expiry of a buffered event; Long.MAX_VALUE when empty. */
    public long earliestExpiry() {
        long min = Long.MAX_VALUE;
        for (long e : expiries) {
            min = Math.min(min, e);
        }
        return min;
    }

    public boolean isEmpty() {
        return events.length == 0;
    }
}
