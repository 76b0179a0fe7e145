package io.grade.generator;

import io.grade.schemas.Feedback;
import java.util.PriorityQueue;

/**
 * Feedback that has happened in the simulation but not yet on the generator's clock: a priority
 * queue by event time, ties in the order they were scheduled, so release order is deterministic.
 * Not thread-safe.
 */
final class FeedbackQueue {

    /** One scheduled feedback event and its Kafka key. */
    record Pending(long eventTime, long seq, String key, Feedback feedback) {}

    private final PriorityQueue<Pending> queue = new PriorityQueue<>(
            (a, b) -> a.eventTime != b.eventTime ? Long.compare(a.eventTime, b.eventTime) : Long.compare(a.seq, b.seq));
    private long seq;

    /** Schedules a feedback event for its event time. */
    void add(String key, Feedback feedback) {
        queue.add(new Pending(feedback.getEventTime().toEpochMilli(), seq++, key, feedback));
    }

    /** Event time of the earliest pending event, or {@link Long#MAX_VALUE} if none. */
    long nextTime() {
        Pending p = queue.peek();
        return p == null ? Long.MAX_VALUE : p.eventTime;
    }

    /** Removes and returns the earliest event if its time is {@code <= through}, else null. */
    Pending pollDue(long through) {
        Pending p = queue.peek();
        if (p == null || p.eventTime > through) {
            return null;
        }
        return queue.poll();
    }

    int size() {
        return queue.size();
    }
}
