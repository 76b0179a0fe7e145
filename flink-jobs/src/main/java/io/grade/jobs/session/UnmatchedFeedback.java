package io.grade.jobs.session;

import io.grade.jobs.events.DeadLetterReason;
import io.grade.jobs.events.FeedbackEvent;

/** Feedback the join could not use (late, orphaned, unknown item), sent to a side output; a Flink POJO. */
public class UnmatchedFeedback {

    public FeedbackEvent feedback;
    /** LATE_FEEDBACK, ORPHANED_FEEDBACK or UNKNOWN_ITEM. */
    public DeadLetterReason reason;
    /** Event-time watermark of the join when it gave up on the event. */
    public long watermark;

    public UnmatchedFeedback() {}

    public static UnmatchedFeedback of(FeedbackEvent f, DeadLetterReason reason, long watermark) {
        UnmatchedFeedback u = new UnmatchedFeedback();
        u.feedback = f;
        u.reason = reason;
        u.watermark = watermark;
        return u;
    }

    @Override
    public String toString() {
        return "UnmatchedFeedback{" + reason + " " + feedback + "}";
    }
}
