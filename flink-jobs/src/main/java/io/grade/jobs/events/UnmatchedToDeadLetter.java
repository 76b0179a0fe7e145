package io.grade.jobs.events;

import io.grade.jobs.session.UnmatchedFeedback;
import io.grade.schemas.Feedback;
import io.grade.schemas.codec.EventCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/** Late, orphaned and unknown-item feedback as dead letters: the event re-encoded, with its source coordinates. */
public final class UnmatchedToDeadLetter extends RichMapFunction<UnmatchedFeedback, DeadLetterRecord> {

    private static final long serialVersionUID = 1L;

    private final String feedbackTopic;
    private transient EventCodec<Feedback> codec;

    public UnmatchedToDeadLetter(String feedbackTopic) {
        this.feedbackTopic = feedbackTopic;
    }

    @Override
    public void open(OpenContext openContext) {
        codec = EventCodec.feedback();
    }

    @Override
    public DeadLetterRecord map(UnmatchedFeedback u) {
        if (codec == null) {
            codec = EventCodec.feedback();
        }
        FeedbackEvent f = u.feedback;
        byte[] payload = codec.encode(Feedback.newBuilder()
                .setEventId(f.eventId).setRequestId(f.requestId).setUserId(f.userId).setItemId(f.itemId)
                .setEventTime(Instant.ofEpochMilli(f.eventTime)).setType(f.type).setValue(f.value).build());
        String message = switch (u.reason) {
            case LATE_FEEDBACK -> "feedback at " + f.eventTime + " after the attribution window of request " + f.requestId;
            case ORPHANED_FEEDBACK -> "no impression for request " + f.requestId + " within orphan-wait";
            case UNKNOWN_ITEM -> "request " + f.requestId + " has no item " + f.itemId;
            default -> String.valueOf(u.reason);
        };
        return DeadLetterRecord.of(feedbackTopic, f.sourcePartition, f.sourceOffset, u.reason, message,
                f.userId.getBytes(StandardCharsets.UTF_8), payload, f.eventTime, System.currentTimeMillis());
    }
}
