package io.grade.jobs.events;

import io.grade.jobs.metrics.JoinMetrics;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Splits the source's envelopes: impressions to the main output, feedback to {@link #FEEDBACK},
 * dead letters to {@link #DEAD_LETTERS} with a counter per reason. Chained to the source, so it
 * costs no shuffle.
 */
public final class EventRouter extends ProcessFunction<InputRecord, ImpressionEvent> {

    private static final long serialVersionUID = 1L;

    /** Side output of the valid feedback events. */
    public static final OutputTag<FeedbackEvent> FEEDBACK = new OutputTag<>("feedback") {};
    /** Side output of the records that failed decoding or validation. */
    public static final OutputTag<DeadLetterRecord> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    private transient Map<DeadLetterReason, Counter> deadLetterCounters;
    private transient Counter acceptedImpressions;
    private transient Counter acceptedFeedback;
    /** Ring over the last SHARE_WINDOW records: true where the record's event time was out of range. */
    private transient boolean[] outOfRange;
    private transient long seen;
    private transient int outOfRangeInWindow;

    @Override
    public void open(OpenContext openContext) {
        MetricGroup group = getRuntimeContext().getMetricGroup().addGroup(JoinMetrics.GROUP).addGroup(JoinMetrics.SOURCE_GROUP);
        acceptedImpressions = group.counter(JoinMetrics.ACCEPTED_IMPRESSIONS);
        acceptedFeedback = group.counter(JoinMetrics.ACCEPTED_FEEDBACK);
        deadLetterCounters = JoinMetrics.deadLetterCounters(getRuntimeContext().getMetricGroup());
        outOfRange = new boolean[JoinMetrics.SHARE_WINDOW];
        group.gauge(JoinMetrics.EVENT_TIME_OUT_OF_RANGE_SHARE, (Gauge<Double>) this::eventTimeOutOfRangeShare);
    }

    /** Share of the last (up to) SHARE_WINDOW records that were EVENT_TIME_OUT_OF_RANGE; 0 before any. */
    double eventTimeOutOfRangeShare() {
        long n = Math.min(seen, outOfRange.length);
        return n == 0 ? 0.0 : (double) outOfRangeInWindow / n;
    }

    private void countShare(boolean eventTimeOutOfRange) {
        int slot = (int) (seen % outOfRange.length);
        if (outOfRange[slot]) {
            outOfRangeInWindow--;
        }
        outOfRange[slot] = eventTimeOutOfRange;
        if (eventTimeOutOfRange) {
            outOfRangeInWindow++;
        }
        seen++;
    }

    @Override
    public void processElement(InputRecord in, Context ctx, Collector<ImpressionEvent> out) {
        countShare(in.deadLetter != null && in.deadLetter.reason == DeadLetterReason.EVENT_TIME_OUT_OF_RANGE);
        if (in.impression != null) {
            acceptedImpressions.inc();
            out.collect(in.impression);
        } else if (in.feedback != null) {
            acceptedFeedback.inc();
            ctx.output(FEEDBACK, in.feedback);
        } else {
            deadLetterCounters.get(in.deadLetter.reason).inc();
            ctx.output(DEAD_LETTERS, in.deadLetter);
        }
    }
}
