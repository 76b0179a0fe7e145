package io.grade.jobs.session;

import io.grade.jobs.config.GradeConfig;
import io.grade.jobs.events.DeadLetterReason;
import io.grade.jobs.events.FeedbackEvent;
import io.grade.jobs.events.ImpressionEvent;
import io.grade.jobs.metrics.JoinMetrics;
import io.grade.jobs.reward.RollingMean;
import io.grade.jobs.reward.ServedReward;
import io.grade.model.reward.RewardBreakdown;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The session join, keyed by user: impressions open requests, feedback fills their labels, an
 * event-time timer closes each request into a {@link LabelledRequest}. Thin by design: it moves
 * state in and out and calls {@link OpenRequest}, {@link SessionState}, {@link OrphanBuffer},
 * {@link ClosedRequest} and {@link ServedReward}, which hold the rules and are unit-tested.
 *
 * <p>Every piece of state is bounded by an event-time timer, recorded in the {@link Agenda} of its
 * time: open requests by their window, orphans by orphanWait, tombstones by dedupRetention, the
 * session by sessionGap (docs/design-join.md).
 */
public class SessionJoinFunction extends KeyedCoProcessFunction<String, ImpressionEvent, FeedbackEvent, LabelledRequest>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;

    /** Feedback after its task's window or after its request closed. */
    public static final OutputTag<UnmatchedFeedback> LATE = new OutputTag<>("late-feedback") {};
    /** Feedback whose impression never came within orphanWait, or naming an item the request lacks. */
    public static final OutputTag<UnmatchedFeedback> ORPHANS = new OutputTag<>("orphaned-feedback") {};

    private final GradeConfig config;

    private transient MapState<String, OpenRequest> openRequests;
    private transient MapState<String, RequestLabels> openLabels;
    private transient MapState<String, ClosedRequest> closedRequests;
    private transient MapState<String, OrphanBuffer> orphans;
    private transient MapState<Long, Agenda> agenda;
    private transient ValueState<SessionState> session;
    private transient ListState<Long> openCountState;

    private transient ServedReward servedReward;
    private transient long openCount;
    private transient Counter impressions;
    private transient Counter feedback;
    private transient Counter joinedFeedback;
    private transient Counter bufferedFeedback;
    private transient Counter labelledRequests;
    private transient Counter lateFeedback;
    private transient Counter orphanedFeedback;
    private transient Counter unknownItemFeedback;
    private transient Counter duplicateImpressions;
    private transient Counter duplicateFeedback;
    private transient Counter lateImpressions;
    private transient RollingMean servedPost;
    private transient RollingMean servedPrior;
    private transient RollingMean servedTotal;
    private transient RollingMean labelledPost;
    private transient RollingMean labelledPrior;
    private transient RollingMean labelledTotal;

    public SessionJoinFunction(GradeConfig config) {
        this.config = config;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        // Only the open-requests gauge lives in operator state: after a restore it must count the
        // restored requests, and keyed state cannot be enumerated from a function.
        openCountState = context.getOperatorStateStore()
                .getListState(new ListStateDescriptor<>("open-requests-count", Types.LONG));
        openCount = 0;
        for (Long c : openCountState.get()) {
            openCount += c;
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        openCountState.update(java.util.List.of(openCount));
    }

    @Override
    public void open(OpenContext openContext) {
        // An open request is split: the impression data, written once and read at close, and the
        // small part every feedback event reads and rewrites (docs/design-join.md).
        openRequests = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("open-requests", StringSerializer.INSTANCE, OpenRequestSerializer.INSTANCE));
        openLabels = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("open-request-labels", StringSerializer.INSTANCE, RequestLabelsSerializer.INSTANCE));
        closedRequests = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("closed-requests", StringSerializer.INSTANCE, ClosedRequestSerializer.INSTANCE));
        orphans = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("orphan-feedback", StringSerializer.INSTANCE, OrphanBufferSerializer.INSTANCE));
        agenda = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("agenda", LongSerializer.INSTANCE, AgendaSerializer.INSTANCE));
        session = getRuntimeContext().getState(
                new ValueStateDescriptor<>("session", SessionStateSerializer.INSTANCE));

        servedReward = new ServedReward(config.rewardConfig(), config.fusion(), config.betas());
        int window = config.rewardMetricWindow();
        servedPost = new RollingMean(window);
        servedPrior = new RollingMean(window);
        servedTotal = new RollingMean(window);
        labelledPost = new RollingMean(window);
        labelledPrior = new RollingMean(window);
        labelledTotal = new RollingMean(window);

        MetricGroup g = getRuntimeContext().getMetricGroup().addGroup(JoinMetrics.GROUP).addGroup(JoinMetrics.JOIN_GROUP);
        impressions = g.counter(JoinMetrics.IMPRESSIONS);
        feedback = g.counter(JoinMetrics.FEEDBACK);
        joinedFeedback = g.counter(JoinMetrics.JOINED_FEEDBACK);
        bufferedFeedback = g.counter(JoinMetrics.BUFFERED_FEEDBACK);
        labelledRequests = g.counter(JoinMetrics.LABELLED_REQUESTS);
        lateFeedback = g.counter(JoinMetrics.LATE_FEEDBACK);
        orphanedFeedback = g.counter(JoinMetrics.ORPHANED_FEEDBACK);
        unknownItemFeedback = g.counter(JoinMetrics.UNKNOWN_ITEM_FEEDBACK);
        duplicateImpressions = g.counter(JoinMetrics.DUPLICATE_IMPRESSIONS);
        duplicateFeedback = g.counter(JoinMetrics.DUPLICATE_FEEDBACK);
        lateImpressions = g.counter(JoinMetrics.LATE_IMPRESSIONS);
        g.gauge(JoinMetrics.OPEN_REQUESTS, (Gauge<Long>) () -> openCount);
        g.gauge(JoinMetrics.SERVED_REWARD_POST, (Gauge<Double>) servedPost::mean);
        g.gauge(JoinMetrics.SERVED_REWARD_PRIOR, (Gauge<Double>) servedPrior::mean);
        g.gauge(JoinMetrics.SERVED_REWARD_TOTAL, (Gauge<Double>) servedTotal::mean);
        g.gauge(JoinMetrics.LABELLED_REWARD_POST, (Gauge<Double>) labelledPost::mean);
        g.gauge(JoinMetrics.LABELLED_REWARD_PRIOR, (Gauge<Double>) labelledPrior::mean);
        g.gauge(JoinMetrics.LABELLED_REWARD_TOTAL, (Gauge<Double>) labelledTotal::mean);
    }

    @Override
    public void processElement1(ImpressionEvent e, Context ctx, Collector<LabelledRequest> out) throws Exception {
        impressions.inc();
        if (openLabels.contains(e.requestId) || closedRequests.contains(e.requestId)) {
            duplicateImpressions.inc();
            return;
        }
        SessionState previous = session.value();
        SessionState s = SessionState.next(previous, e.eventTime, config.sessionGapMs());
        if (s.expiredAt(ctx.timerService().currentWatermark(), config.sessionGapMs())) {
            // The session is over in event time already: nothing to keep, and no past timer.
            session.clear();
        } else {
            session.update(s);
            if (previous == null) {
                // One END_SESSION timer per stored session: when it fires before the session's
                // end (later requests moved it), it moves itself to lastTime + sessionGap.
                schedule(ctx, s.lastTime + config.sessionGapMs(), Agenda.END_SESSION, "");
            }
        }

        OpenRequest r = OpenRequest.open(e, s, config);
        RequestLabels labels = RequestLabels.open(e, servedReward.rank(e.scores, e.positions, e.servedWeights),
                config.tasks());
        OrphanBuffer waiting = orphans.get(e.requestId);
        boolean joined = false;
        if (waiting != null) {
            orphans.remove(e.requestId);
            for (FeedbackEvent f : waiting.events) {
                joined |= handle(labels.apply(f, config), f, ctx);
            }
        }
        if (joined) {
            observeServedReward(labels);
        }
        if (r.closeTime <= ctx.timerService().currentWatermark()) {
            // Its window has already passed (the impression topic lags): close it now with whatever
            // feedback was buffered. A timer in the past would only fire at the next watermark, and
            // never after the final one, so the request would be lost.
            lateImpressions.inc();
            close(r, labels, ctx.timerService().currentWatermark(), ctx, out);
            return;
        }
        openRequests.put(e.requestId, r);
        openLabels.put(e.requestId, labels);
        openCount++;
        schedule(ctx, r.closeTime, Agenda.CLOSE_REQUEST, e.requestId);
    }

    @Override
    public void processElement2(FeedbackEvent f, Context ctx, Collector<LabelledRequest> out) throws Exception {
        feedback.inc();
        // Only the small mutable part: the impression data stays untouched until the close.
        RequestLabels labels = openLabels.get(f.requestId);
        if (labels != null) {
            FeedbackOutcome outcome = labels.apply(f, config);
            if (outcome != FeedbackOutcome.DUPLICATE) {
                boolean joined = handle(outcome, f, ctx);
                if (joined) {
                    observeServedReward(labels);
                }
                openLabels.put(f.requestId, labels);
            } else {
                duplicateFeedback.inc();
            }
            return;
        }
        ClosedRequest closed = closedRequests.get(f.requestId);
        if (closed != null) {
            if (closed.remember(f.eventId)) {
                closedRequests.put(f.requestId, closed);
                handle(FeedbackOutcome.LATE, f, ctx);
            } else {
                duplicateFeedback.inc();
            }
            return;
        }
        OrphanBuffer waiting = orphans.get(f.requestId);
        if (waiting == null) {
            waiting = new OrphanBuffer();
        }
        long expiresAt = f.eventTime + config.orphanWaitMs();
        long watermark = ctx.timerService().currentWatermark();
        if (expiresAt <= watermark) {
            // Its wait is already over in event time: an orphan now (a past timer could never fire
            // after the final watermark and the buffer would leak).
            orphanedFeedback.inc();
            ctx.output(ORPHANS, UnmatchedFeedback.of(f, DeadLetterReason.ORPHANED_FEEDBACK, watermark));
            return;
        }
        long earliest = waiting.earliestExpiry();
        if (waiting.add(f, expiresAt)) {
            orphans.put(f.requestId, waiting);
            bufferedFeedback.inc();
            // A pending timer at or before the earliest expiry covers this event too; when it
            // fires it moves on to the earliest expiry left (run EXPIRE_ORPHANS).
            if (expiresAt < earliest) {
                schedule(ctx, expiresAt, Agenda.EXPIRE_ORPHANS, f.requestId);
            }
        } else {
            duplicateFeedback.inc();
        }
    }

    @Override
    public void onTimer(long time, OnTimerContext ctx, Collector<LabelledRequest> out) throws Exception {
        Agenda due = agenda.get(time);
        if (due == null) {
            return;
        }
        agenda.remove(time);
        // Close requests before ending the session, so a request closing as its session ends still
        // sees the session's request count.
        for (byte kind = Agenda.CLOSE_REQUEST; kind <= Agenda.END_SESSION; kind++) {
            for (int i = 0; i < due.size(); i++) {
                if (due.kinds[i] == kind) {
                    run(kind, due.ids[i], time, ctx, out);
                }
            }
        }
    }

    private void run(byte kind, String id, long time, OnTimerContext ctx, Collector<LabelledRequest> out)
            throws Exception {
        switch (kind) {
            case Agenda.CLOSE_REQUEST -> {
                OpenRequest r = openRequests.get(id);
                if (r == null || r.closeTime > time) {
                    return;
                }
                RequestLabels labels = openLabels.get(id);
                openRequests.remove(id);
                openLabels.remove(id);
                openCount--;
                close(r, labels, time, ctx, out);
            }
            case Agenda.EXPIRE_ORPHANS -> {
                OrphanBuffer waiting = orphans.get(id);
                if (waiting == null) {
                    return;
                }
                for (FeedbackEvent f : waiting.expire(time)) {
                    orphanedFeedback.inc();
                    ctx.output(ORPHANS, UnmatchedFeedback.of(f, DeadLetterReason.ORPHANED_FEEDBACK, time));
                }
                if (waiting.isEmpty()) {
                    orphans.remove(id);
                } else {
                    orphans.put(id, waiting);
                    schedule(ctx, waiting.earliestExpiry(), Agenda.EXPIRE_ORPHANS, id);
                }
            }
            case Agenda.DROP_TOMBSTONE -> {
                ClosedRequest c = closedRequests.get(id);
                if (c != null && c.expiresAt <= time) {
                    closedRequests.remove(id);
                }
            }
            case Agenda.END_SESSION -> {
                SessionState s = session.value();
                if (s == null) {
                    return;
                }
                if (s.expiredAt(time, config.sessionGapMs())) {
                    session.clear();
                } else {
                    schedule(ctx, s.lastTime + config.sessionGapMs(), Agenda.END_SESSION, "");
                }
            }
            default -> throw new IllegalStateException("unknown agenda task " + kind);
        }
    }

    /** Emits the labelled request and leaves a tombstone for late and duplicate events. */
    private void close(OpenRequest r, RequestLabels labels, long time, Context ctx, Collector<LabelledRequest> out)
            throws Exception {
        SessionState s = session.value();
        int sessionRequests = s != null && s.start == r.sessionStart ? s.requests : r.sessionPosition + 1;
        LabelledRequest labelled = LabelledRequest.of(r, labels, sessionRequests, reward(labels));
        // A tombstone timer at or before the watermark could never fire after the final watermark.
        long base = Math.max(time, r.closeTime);
        long expiresAt = base > Long.MAX_VALUE - config.dedupRetentionMs() ? Long.MAX_VALUE : base + config.dedupRetentionMs();
        if (expiresAt > ctx.timerService().currentWatermark()) {
            closedRequests.put(r.requestId, ClosedRequest.of(labels, expiresAt - config.dedupRetentionMs(),
                    config.dedupRetentionMs()));
            schedule(ctx, expiresAt, Agenda.DROP_TOMBSTONE, r.requestId);
        }
        labelledRequests.inc();
        labelledPost.add(labelled.rewardPost);
        labelledPrior.add(labelled.rewardPrior);
        labelledTotal.add(labelled.rewardTotal);
        out.collect(labelled);
    }

    /** Counts and routes one outcome other than DUPLICATE; true if the labels changed. */
    private boolean handle(FeedbackOutcome outcome, FeedbackEvent f, Context ctx) {
        long watermark = ctx.timerService().currentWatermark();
        switch (outcome) {
            case JOINED -> {
                joinedFeedback.inc();
                return true;
            }
            case DUPLICATE -> duplicateFeedback.inc();
            case LATE -> {
                lateFeedback.inc();
                ctx.output(LATE, UnmatchedFeedback.of(f, DeadLetterReason.LATE_FEEDBACK, watermark));
            }
            case UNKNOWN_ITEM -> {
                unknownItemFeedback.inc();
                ctx.output(ORPHANS, UnmatchedFeedback.of(f, DeadLetterReason.UNKNOWN_ITEM, watermark));
            }
            default -> throw new IllegalStateException("unknown outcome " + outcome);
        }
        return false;
    }

    /** The served ranking's reward with the labels so far (R_prior and the format fraction were fixed at open). */
    private RewardBreakdown reward(RequestLabels labels) {
        return servedReward.evaluate(labels.ranking(), labels.tasks(), labels.cells(), labels.values(), labels.count());
    }

    /** Feeds the online reward gauges after a joined feedback event. */
    private void observeServedReward(RequestLabels labels) {
        RewardBreakdown b = reward(labels);
        servedPost.add(b.post());
        servedPrior.add(b.prior());
        servedTotal.add(b.total());
    }

    private void schedule(Context ctx, long time, byte kind, String id) throws Exception {
        Agenda a = agenda.get(time);
        agenda.put(time, (a == null ? new Agenda() : a).add(kind, id));
        ctx.timerService().registerEventTimeTimer(time);
    }
}
