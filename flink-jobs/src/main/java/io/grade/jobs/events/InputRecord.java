package io.grade.jobs.events;

/**
 * What a source emits for one Kafka record: exactly one of a valid impression, a valid feedback
 * event or a dead letter. One envelope type lets the deserializer, which cannot use side outputs,
 * hand bad records on instead of throwing.
 */
public class InputRecord {

    public ImpressionEvent impression;
    public FeedbackEvent feedback;
    public DeadLetterRecord deadLetter;

    public InputRecord() {}

    public static InputRecord of(ImpressionEvent e) {
        InputRecord r = new InputRecord();
        r.impression = e;
        return r;
    }

    public static InputRecord of(FeedbackEvent e) {
        InputRecord r = new InputRecord();
        r.feedback = e;
        return r;
    }

    public static InputRecord of(DeadLetterRecord d) {
        InputRecord r = new InputRecord();
        r.deadLetter = d;
        return r;
    }

    /** Event time of a valid event; Long.MIN_VALUE for a dead letter, so it never moves the watermark. */
    public long eventTime() {
        if (impression != null) {
            return impression.eventTime;
        }
        if (feedback != null) {
            return feedback.eventTime;
        }
        return Long.MIN_VALUE;
    }

    @Override
    public String toString() {
        return "InputRecord{" + (impression != null ? impression : feedback != null ? feedback : deadLetter) + "}";
    }
}
