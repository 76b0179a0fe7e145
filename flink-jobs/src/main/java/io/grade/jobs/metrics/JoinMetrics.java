package io.grade.jobs.metrics;

import io.grade.jobs.events.DeadLetterReason;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Names of every metric of the data plane, in one place. Operators register them in open() under
 * {@code grade.source}, {@code grade.join} and {@code grade.deadLetters}; the dashboard shows them
 * as {@code <operator>.grade.join.labelledRequests} etc. Meanings and healthy values are in
 * docs/design-join.md.
 */
public final class JoinMetrics {

    private JoinMetrics() {}

    /** Root group of every GRADE metric. */
    public static final String GROUP = "grade";
    /** Source-side routing (decode + validation). */
    public static final String SOURCE_GROUP = "source";
    /** The session join. */
    public static final String JOIN_GROUP = "join";
    /** One counter per {@link DeadLetterReason}, named {@link DeadLetterReason#metricName()}. */
    public static final String DEAD_LETTER_GROUP = "deadLetters";

    // grade.source
    public static final String ACCEPTED_IMPRESSIONS = "acceptedImpressions";
    public static final String ACCEPTED_FEEDBACK = "acceptedFeedback";
    /**
     * Gauge: share (0..1) of the last {@link #SHARE_WINDOW} records of the subtask that were
     * EVENT_TIME_OUT_OF_RANGE dead letters (the counter deadLetters.eventTimeOutOfRange counts them all).
     */
    public static final String EVENT_TIME_OUT_OF_RANGE_SHARE = "eventTimeOutOfRangeShare";
    /** Records the share gauges average over. */
    public static final int SHARE_WINDOW = 10_000;

    // grade.join counters
    public static final String IMPRESSIONS = "impressions";
    public static final String FEEDBACK = "feedback";
    public static final String JOINED_FEEDBACK = "joinedFeedback";
    public static final String BUFFERED_FEEDBACK = "bufferedFeedback";
    public static final String LABELLED_REQUESTS = "labelledRequests";
    public static final String LATE_FEEDBACK = "lateFeedback";
    public static final String ORPHANED_FEEDBACK = "orphanedFeedback";
    public static final String UNKNOWN_ITEM_FEEDBACK = "unknownItemFeedback";
    public static final String DUPLICATE_IMPRESSIONS = "duplicateImpressions";
    public static final String DUPLICATE_FEEDBACK = "duplicateFeedback";
    public static final String LATE_IMPRESSIONS = "lateImpressions";

    // grade.join gauges
    public static final String OPEN_REQUESTS = "openRequests";
    /** Rolling means of the served ranking's reward, updated as each feedback is joined. */
    public static final String SERVED_REWARD_POST = "servedRewardPost";
    public static final String SERVED_REWARD_PRIOR = "servedRewardPrior";
    public static final String SERVED_REWARD_TOTAL = "servedRewardTotal";
    /** Rolling means of the final reward of the served ranking over labelled (closed) requests. */
    public static final String LABELLED_REWARD_POST = "labelledRewardPost";
    public static final String LABELLED_REWARD_PRIOR = "labelledRewardPrior";
    public static final String LABELLED_REWARD_TOTAL = "labelledRewardTotal";

    /**
     * Registers one counter per decoding/validation reason. Registered up front so that the
     * dashboard shows zeros, not missing series. The join's reasons (late, orphaned, unknown item)
     * are counted by the join's own counters above.
     */
    public static Map<DeadLetterReason, Counter> deadLetterCounters(MetricGroup operatorGroup) {
        MetricGroup g = operatorGroup.addGroup(GROUP).addGroup(DEAD_LETTER_GROUP);
        Map<DeadLetterReason, Counter> counters = new EnumMap<>(DeadLetterReason.class);
        for (DeadLetterReason r : DeadLetterReason.values()) {
            if (r.rejectedAtSource()) {
                counters.put(r, g.counter(r.metricName()));
            }
        }
        return counters;
    }
}
