package io.grade.jobs.session;

/** What the join did with one feedback event. */
public enum FeedbackOutcome {
    /** Inside its task's attribution window: the label was updated. */
    JOINED,
    /** Same event id seen before for this request: ignored, counted once. */
    DUPLICATE,
    /** After its task's attribution window (or after the request closed): late output. */
    LATE,
    /** The request exists but has no such item: orphan output with reason UNKNOWN_ITEM. */
    UNKNOWN_ITEM
}
