package io.grade.jobs.events;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/** A validated feedback event, its type already mapped to a task index; serialized by {@link FeedbackEventSerializer}. */
@TypeInfo(FeedbackEventSerializer.Factory.class)
public class FeedbackEvent {

    public String eventId;
    public String requestId;
    public String userId;
    public String itemId;
    public long eventTime;
    /** Feedback type as sent (click, order, ...), kept to re-encode the event for the dead-letter topic. */
    public String type;
    /** Task index the type maps to. */
    public int task;
    public double value;
    /** Source coordinates, for the dead-letter record of a late or orphaned event. */
    public int sourcePartition;
    public long sourceOffset;

    public FeedbackEvent() {}

    /** A feedback event; source coordinates unknown (-1). */
    public static FeedbackEvent of(String eventId, String requestId, String userId, String itemId, long eventTime,
                                   String type, int task, double value) {
        FeedbackEvent f = new FeedbackEvent();
        f.eventId = eventId;
        f.requestId = requestId;
        f.userId = userId;
        f.itemId = itemId;
        f.eventTime = eventTime;
        f.type = type;
        f.task = task;
        f.value = value;
        f.sourcePartition = -1;
        f.sourceOffset = -1;
        return f;
    }

    @Override
    public String toString() {
        return "FeedbackEvent{" + eventId + ", request=" + requestId + ", item=" + itemId + ", " + type
                + "=" + value + ", t=" + eventTime + "}";
    }
}
