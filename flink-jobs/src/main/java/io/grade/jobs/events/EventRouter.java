package io.grade.jobs.events;

import io.grade.jobs.metrics.JoinMetrics;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
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

    @Override
    public void open(OpenContext openContext) {
        MetricGroup group = getRuntimeContext().getMetricGroup().addGroup(JoinMetrics.GROUP).addGroup(JoinMetrics.SOURCE_GROUP);
        acceptedImpressions = group.counter(JoinMetrics.ACCEPTED_IMPRESSIONS);
        acceptedFeedback = group.counter(JoinMetrics.ACCEPTED_FEEDBACK);
        deadLetterCounters = JoinMetrics.deadLetterCounters(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(InputRecord in, Context ctx, Collector<ImpressionEvent> out) {
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
